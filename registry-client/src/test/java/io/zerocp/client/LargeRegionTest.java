package io.zerocp.client;

import io.zerocp.testkit.RawClient;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A region larger than one mapping can hold (2 GiB) is refused by the client with a clear message, and the hold the
 * daemon recorded for the request is given back. Creating 2 GiB reserves every page, which took over 5 s at load 4.7
 * on a 2-core machine: the client here waits up to two minutes.
 */
class LargeRegionTest
{
    @Test
    void aRegionOverTwoGibibytesIsRefusedAndItsHoldReleased()
    {
        final long size = (2L << 30) + 4096;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(0));
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .timeout(Duration.ofMinutes(2)).build();
            RawClient admin = new RawClient(daemon.socket()))
        {
            final RegistryException refused = assertThrows(RegistryException.class, () -> client.acquire("huge", size));
            assertTrue(refused.getMessage().contains("maps at most"), refused.getMessage());
            // The daemon unlinked it once the only hold went (linger 0): nothing of 2 GiB is left in tmpfs.
            assertTrue(!Files.exists(daemon.regionFile("huge")), "the released region was reaped");
            assertEquals("ERROR: No such region", admin.ask("GET_SHM_SIZE:huge"));
        }
    }
}
