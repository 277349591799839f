package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Found by the fuzz run: the journal compacts itself after 10,000 records, and must survive doing so.
 */
class JournalCompactionTest
{
    @Test
    void daemonSurvivesJournalCompactionAndRestoresAfterIt()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(0));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertTrue(client.ask("REGISTER:process_id=" + ProcessHandle.current().pid()).startsWith("OK lease_ms="));
            assertEquals(daemon.regionFile("kept").toString(), client.ask("GET_SHM_PATH:kept"));
            // Each round journals a region, a hold, its release and the region's removal: 4 records.
            for (int i = 0; i < 3_000; i++)
            {
                assertEquals(daemon.regionFile("churn").toString(), client.ask("GET_SHM_PATH:churn"), "round " + i);
                assertEquals("OK", client.ask("RELEASE:churn"));
            }
            assertEquals("PONG", client.ask("PING"));

            daemon.restart();
            assertTrue(Files.exists(daemon.regionFile("kept")));
            assertEquals("4096", client.ask("GET_SHM_SIZE:kept"), "the compacted journal restored the region");
        }
    }
}
