package io.zerocp.client;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM main for crash tests. Usage: {@code <socket> <region>...}: acquires every region (4096 bytes) with a
 * registered {@link RegistryClient}, prints {@code HOLDING}, then sleeps until killed.
 */
public final class HoldingProcess
{
    public static void main(final String[] args) throws Exception
    {
        final RegistryClient client = RegistryClient.builder()
            .socketPath(Paths.get(args[0]))
            .timeout(Duration.ofSeconds(10))
            .build();
        final List<SharedRegion> regions = new ArrayList<>();
        for (int i = 1; i < args.length; i++)
        {
            regions.add(client.acquire(args[i], 4096));
        }
        System.out.println("HOLDING " + regions.size() + " lease_ms=" + client.leaseMs());
        Thread.sleep(Long.MAX_VALUE);
    }
}
