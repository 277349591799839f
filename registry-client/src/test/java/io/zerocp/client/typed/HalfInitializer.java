package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.SharedRegion;

import java.nio.file.Paths;
import java.time.Duration;

/**
 * Child-JVM main: {@code <socket> <region> <capacity>}. Starts initializing a many-to-one ring and stops for good
 * between writing the header's magic and publishing READY (inside the body reset), printing {@code MAGIC_WRITTEN},
 * so the test can {@code kill -9} it exactly there.
 */
public final class HalfInitializer
{
    public static void main(final String[] args) throws Exception
    {
        final int capacity = Integer.parseInt(args[2]);
        final long length = MessageRing.regionLength(capacity);
        try (RegistryClient client = RegistryClient.builder().socketPath(Paths.get(args[0]))
            .timeout(Duration.ofSeconds(10)).build();
            SharedRegion region = client.acquire(args[1], length))
        {
            TypedRegionHeader.initOrValidate(region.buffer(), args[1], LayoutKind.RING_MANY_TO_ONE,
                MessageRing.VERSION, new long[]{capacity}, length, buffer ->
                {
                    System.out.println("MAGIC_WRITTEN");
                    System.out.flush();
                    while (true)
                    {
                        try
                        {
                            Thread.sleep(60_000);
                        }
                        catch (final InterruptedException ex)
                        {
                            return;
                        }
                    }
                }, region::fileSize, TypedMapping.over(region));
        }
    }
}
