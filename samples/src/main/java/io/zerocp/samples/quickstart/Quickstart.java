package io.zerocp.samples.quickstart;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.SharedRegion;
import io.zerocp.samples.SampleArgs;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * The seed's flow in Java: one process writes a message into a named region, another maps the same name and reads
 * it. {@code Quickstart write [--message TEXT] [--seconds N] [--readers R]} or {@code Quickstart read [--seconds N]},
 * both with optional {@code --socket} and {@code --name} (default {@code quickstart}). The writer holds the region for
 * {@code --seconds} (default 30), or until {@code R} readers have confirmed they read it.
 * <p>
 * Region layout (4096 bytes): the message length at 0 (an int, 0 until the message is complete; written last with
 * release semantics so a reader that sees it also sees the text), a counter at 8, the ASCII text at 16.
 */
public final class Quickstart
{
    private static final int LENGTH_OFFSET = 0;
    private static final int COUNTER_OFFSET = 8;
    private static final int TEXT_OFFSET = 16;
    private static final int SIZE = 4096;

    public static void main(final String[] args) throws InterruptedException
    {
        final SampleArgs options = new SampleArgs(args);
        final String mode = options.positional().isEmpty() ? "" : options.positional().get(0);
        final String name = options.get("name", "quickstart");
        try (RegistryClient client = options.client();
            SharedRegion region = client.acquire(name, SIZE))
        {
            final UnsafeBuffer buffer = region.buffer();
            switch (mode)
            {
                case "write":
                    write(buffer, options.get("message", "hello from pid " + ProcessHandle.current().pid()),
                        region, options.getDouble("seconds", 30), options.getInt("readers", 0));
                    break;
                case "read":
                    read(buffer, region, options.getDouble("seconds", 10));
                    break;
                default:
                    System.err.println("usage: Quickstart write|read [--message TEXT] [--readers R] [--name N] " +
                        "[--socket P] [--seconds N]");
                    System.exit(2);
            }
        }
    }

    private static void write(
        final UnsafeBuffer buffer,
        final String message,
        final SharedRegion region,
        final double holdSeconds,
        final int readers)
        throws InterruptedException
    {
        final int length = Math.min(message.length(), SIZE - TEXT_OFFSET);
        buffer.putStringWithoutLengthAscii(TEXT_OFFSET, message, 0, length);
        buffer.putIntRelease(LENGTH_OFFSET, length); // the text above is visible to whoever sees the length
        System.out.println("writer: wrote \"" + message + "\" into " + region.path());
        // Hold the region (the daemon unlinks it when its last holder is gone) and count what readers confirm.
        final long deadline = System.nanoTime() + (long)(holdSeconds * 1e9);
        long seen = 0;
        while (System.nanoTime() < deadline)
        {
            final long reads = buffer.getLongVolatile(COUNTER_OFFSET);
            if (reads != seen)
            {
                seen = reads;
                System.out.println("writer: " + reads + " reader(s) have read it");
                if (readers > 0 && reads >= readers)
                {
                    return;
                }
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static void read(final UnsafeBuffer buffer, final SharedRegion region, final double waitSeconds)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + (long)(waitSeconds * 1e9);
        int length;
        while ((length = buffer.getIntVolatile(LENGTH_OFFSET)) == 0)
        {
            if (System.nanoTime() > deadline)
            {
                System.out.println("reader: nothing written into " + region.path() + " yet");
                System.exit(1);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        System.out.println("reader: read \"" + buffer.getStringWithoutLengthAscii(TEXT_OFFSET, length) + "\" from " +
            region.path());
        buffer.getAndAddLong(COUNTER_OFFSET, 1);
    }
}
