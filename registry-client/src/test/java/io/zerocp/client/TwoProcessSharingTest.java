package io.zerocp.client;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TwoProcessSharingTest
{
    @Test
    void twoJvmsSeeEachOthersWritesThroughTheRegion()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion region = client.acquire("shared_pair", 4096);
            ChildJvm peer = ChildJvm.start(PeerProcess.class,
                daemon.socket().toString(), "shared_pair", "4096", "echo", "64"))
        {
            await().atMost(Duration.ofSeconds(30)).until(() -> peer.printed("READY") || !peer.process().isAlive());
            assertTrue(peer.printed("READY"), peer::output);

            region.buffer().putLongVolatile(64, 0x5EED_CAFEL);
            await().atMost(Duration.ofSeconds(30)).until(() -> region.buffer().getLongVolatile(72) != 0);

            assertEquals(-0x5EED_CAFEL, region.buffer().getLongVolatile(72));
            assertEquals(0, peer.waitFor(30, TimeUnit.SECONDS), peer::output);
            assertEquals(daemon.regionFile("shared_pair"), region.path());
        }
    }
}
