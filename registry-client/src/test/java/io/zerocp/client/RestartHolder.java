package io.zerocp.client;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Paths;
import java.time.Duration;

/**
 * Child-JVM main for the restart tests. Usage: {@code <socket> <region> <size> <seed>}.
 * <p>
 * Acquires the region (a registered client: it holds it), fills it with {@link #pattern} bytes, prints
 * {@code FILLED <path>}, then until killed checks every 50 ms that the bytes are intact and that the daemon answers
 * PING and the region's size, printing {@code OK <n>} after every 10th good round and {@code ERROR <what>} for
 * anything wrong (an exception or a wrong answer).
 */
public final class RestartHolder
{
    public static void main(final String[] args) throws Exception
    {
        final String name = args[1];
        final long size = Long.parseLong(args[2]);
        final long seed = Long.parseLong(args[3]);
        try (RegistryClient client = RegistryClient.builder()
            .socketPath(Paths.get(args[0]))
            .timeout(Duration.ofSeconds(60))
            .build();
            SharedRegion region = client.acquire(name, size))
        {
            final UnsafeBuffer buffer = region.buffer();
            for (int i = 0; i < size; i++)
            {
                buffer.putByte(i, pattern(seed, i));
            }
            System.out.println("FILLED " + region.path());
            long rounds = 0;
            while (true)
            {
                try
                {
                    client.ping();
                    final long answered = client.shmSize(name);
                    if (answered != size)
                    {
                        System.out.println("ERROR size " + answered + " instead of " + size);
                    }
                    for (int i = 0; i < size; i++)
                    {
                        if (buffer.getByte(i) != pattern(seed, i))
                        {
                            System.out.println("ERROR byte " + i + " changed");
                            break;
                        }
                    }
                    if (++rounds % 10 == 0)
                    {
                        System.out.println("OK " + rounds);
                    }
                }
                catch (final RuntimeException ex)
                {
                    System.out.println("ERROR " + ex);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The byte at {@code index} of a region filled with {@code seed}. */
    static byte pattern(final long seed, final long index)
    {
        long x = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L;
        x ^= x >>> 31;
        return (byte)x;
    }
}
