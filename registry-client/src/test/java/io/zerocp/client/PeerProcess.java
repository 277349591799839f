package io.zerocp.client;

import java.nio.file.Paths;
import java.time.Duration;

/**
 * Child-JVM main for multi-process tests. Usage: {@code <socket> <region> <size> <command...>}.
 * <ul>
 *   <li>{@code echo OFFSET}: waits for a non-zero long at OFFSET, writes its negation at OFFSET+8, exits 0.</li>
 *   <li>{@code hold}: acquires the region, prints {@code HOLDING}, then sleeps until killed.</li>
 * </ul>
 */
public final class PeerProcess
{
    public static void main(final String[] args) throws Exception
    {
        try (RegistryClient client = RegistryClient.builder()
            .socketPath(Paths.get(args[0]))
            .timeout(Duration.ofSeconds(10))
            .build();
            SharedRegion region = client.acquire(args[1], Long.parseLong(args[2])))
        {
            switch (args[3])
            {
                case "echo":
                {
                    final int offset = Integer.parseInt(args[4]);
                    System.out.println("READY");
                    long value;
                    final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while ((value = region.buffer().getLongVolatile(offset)) == 0)
                    {
                        if (System.nanoTime() > deadline)
                        {
                            System.exit(3);
                        }
                        Thread.onSpinWait();
                    }
                    region.buffer().putLongVolatile(offset + 8, -value);
                    System.out.println("ECHOED " + value);
                    break;
                }
                case "hold":
                    System.out.println("HOLDING " + region.path());
                    Thread.sleep(Long.MAX_VALUE);
                    break;
                default:
                    System.exit(2);
            }
        }
    }
}
