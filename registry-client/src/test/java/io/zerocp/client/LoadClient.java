package io.zerocp.client;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Child-JVM main for the restart load test. Usage: {@code <socket> <id> <stop-file> <PATH|FD>}.
 * <p>
 * Holds an anchor region {@code anchor<id>} (8192 bytes, filled with a known pattern) for its whole life and loops,
 * until the stop file appears: acquire one of three small regions {@code load<id>_<k>} (4096 bytes), check and use
 * it, close it (RELEASE), PING, and ask the anchor's size. Every answer is checked; an exception counts as an error,
 * a reply that parsed but is not right counts as wrong. Prints {@code STARTED}, {@code OPS <n>} every 200 rounds,
 * and at the end {@code SUMMARY id=.. rounds=.. wrong=.. errors=.. longestRoundMs=..}; exits 0 only when wrong and
 * errors are both 0.
 */
public final class LoadClient
{
    private static final long ANCHOR_SIZE = 8192;
    private static final long LOOP_SIZE = 4096;

    public static void main(final String[] args) throws Exception
    {
        final int id = Integer.parseInt(args[1]);
        final Path stop = Paths.get(args[2]);
        final TransferMode mode = TransferMode.valueOf(args[3]);
        final String anchorName = "anchor" + id;
        long rounds = 0;
        long wrong = 0;
        long errors = 0;
        long longestNs = 0;
        try (RegistryClient client = RegistryClient.builder()
            .socketPath(Paths.get(args[0]))
            .timeout(Duration.ofSeconds(60))
            .transferMode(mode)
            .build())
        {
            final SharedRegion anchor = client.acquire(anchorName, ANCHOR_SIZE);
            final UnsafeBuffer anchorBuffer = anchor.buffer();
            for (int i = 0; i < ANCHOR_SIZE; i++)
            {
                anchorBuffer.putByte(i, RestartHolder.pattern(id, i));
            }
            System.out.println("STARTED " + id);
            while (!Files.exists(stop))
            {
                final long start = System.nanoTime();
                try
                {
                    final String name = "load" + id + "_" + (rounds % 3);
                    try (SharedRegion region = client.acquire(name, LOOP_SIZE))
                    {
                        if (region.size() != LOOP_SIZE ||
                            (mode == TransferMode.PATH && !region.path().getFileName().toString().equals(name + "_shm")))
                        {
                            wrong++;
                            System.out.println("WRONG " + region);
                        }
                        region.buffer().putLongVolatile(64, rounds);
                        if (region.buffer().getLongVolatile(64) != rounds)
                        {
                            wrong++;
                            System.out.println("WRONG mapping of " + name);
                        }
                    }
                    client.ping();
                    final long anchorSize = client.shmSize(anchorName);
                    if (anchorSize != ANCHOR_SIZE)
                    {
                        wrong++;
                        System.out.println("WRONG anchor size " + anchorSize);
                    }
                    final int probe = (int)(rounds * 8 % ANCHOR_SIZE);
                    if (anchorBuffer.getByte(probe) != RestartHolder.pattern(id, probe))
                    {
                        wrong++;
                        System.out.println("WRONG anchor byte " + probe);
                    }
                }
                catch (final RuntimeException ex)
                {
                    errors++;
                    System.out.println("ERROR " + ex);
                }
                longestNs = Math.max(longestNs, System.nanoTime() - start);
                if (++rounds % 200 == 0)
                {
                    System.out.println("OPS " + rounds);
                }
            }
            for (int i = 0; i < ANCHOR_SIZE; i++)
            {
                if (anchorBuffer.getByte(i) != RestartHolder.pattern(id, i))
                {
                    wrong++;
                    System.out.println("WRONG anchor byte " + i + " at the end");
                    break;
                }
            }
            anchor.close();
        }
        catch (final RuntimeException ex)
        {
            errors++;
            System.out.println("ERROR " + ex);
        }
        System.out.println("SUMMARY id=" + id + " rounds=" + rounds + " wrong=" + wrong + " errors=" + errors +
            " longestRoundMs=" + TimeUnit.NANOSECONDS.toMillis(longestNs));
        System.exit(wrong == 0 && errors == 0 ? 0 : 1);
    }
}
