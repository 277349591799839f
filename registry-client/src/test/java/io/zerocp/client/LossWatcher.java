package io.zerocp.client;

import java.nio.file.Paths;
import java.time.Duration;

/**
 * Child-JVM main for {@link RegionLossTest}. Usage: {@code <socket> <region>}: acquires the region (4096 bytes) with a
 * registered client whose {@link RegionLostHandler} prints {@code LOST <name> on <thread>}, prints {@code HOLDING},
 * then watches {@link SharedRegion#isValid()}: once it turns false it prints {@code INVALID} and what
 * {@link SharedRegion#verify()} throws ({@code VERIFY <exception class>}), and sleeps until killed.
 */
public final class LossWatcher
{
    public static void main(final String[] args) throws Exception
    {
        final RegistryClient client = RegistryClient.builder()
            .socketPath(Paths.get(args[0]))
            .timeout(Duration.ofSeconds(10))
            .regionLostHandler((name, why) ->
                System.out.println("LOST " + name + " on " + Thread.currentThread().getName()))
            .build();
        final SharedRegion region = client.acquire(args[1], 4096);
        System.out.println("HOLDING lease_ms=" + client.leaseMs());
        while (region.isValid())
        {
            Thread.sleep(50);
        }
        System.out.println("INVALID");
        try
        {
            region.verify();
            System.out.println("VERIFY passed");
        }
        catch (final RuntimeException ex)
        {
            System.out.println("VERIFY " + ex.getClass().getSimpleName());
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
