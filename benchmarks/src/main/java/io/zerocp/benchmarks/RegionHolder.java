package io.zerocp.benchmarks;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.SharedRegion;

import java.nio.file.Paths;

/**
 * A registered client that maps one region and then does nothing, so the suite can {@code kill -9} it.
 * <p>
 * Usage: {@code RegionHolder <daemon socket> <region name>}. Prints {@code READY <pid>} once it holds the region.
 */
public final class RegionHolder
{
    private RegionHolder()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final RegistryClient client = RegistryClient.builder().socketPath(Paths.get(args[0])).build();
        final SharedRegion region = client.acquire(args[1]);
        region.buffer().putLongVolatile(0, ProcessHandle.current().pid());
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(120_000); // the suite kills it long before; the bound keeps a lost holder from living on
        region.close();
        client.close();
    }
}
