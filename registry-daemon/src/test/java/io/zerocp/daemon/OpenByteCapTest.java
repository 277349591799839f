package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * With authentication off every client is unauthenticated, and together they may not take more than
 * {@code open-max-bytes} of dynamic regions (by default half the shm dir's filesystem), so one of them cannot fill it.
 */
class OpenByteCapTest
{
    @Test
    void dynamicRegionsStopAtTheCapAndAFreedRegionMakesRoomAgain() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(12_288).lingerMs(0));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK lease_ms=10000", client.ask("REGISTER:process_id=" + ProcessHandle.current().pid()));
            assertEquals(daemon.regionFile("a").toString(), client.ask("GET_SHM_PATH:a,size=8192"));
            assertEquals("ERROR: Quota exceeded", client.ask("GET_SHM_PATH:b,size=8192"));
            assertEquals(false, Files.exists(daemon.regionFile("b")));
            assertEquals(daemon.regionFile("c").toString(), client.ask("GET_SHM_PATH:c,size=4096"), "up to the cap");
            // The static default region does not count; a released region gives its bytes back.
            assertEquals("OK", client.ask("RELEASE:a"));
            assertEquals(daemon.regionFile("b").toString(), client.ask("GET_SHM_PATH:b,size=8192"));
        }
    }

    @Test
    void theDefaultCapIsHalfTheShmFilesystem() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final DaemonContext context = new DaemonContext(DaemonConfig.builder().socketPath(dirs.socket())
                .shmDir(dirs.shmDir()).build()).conclude();
            assertEquals(Files.getFileStore(dirs.shmDir()).getTotalSpace() / 2, context.openMaxBytes());
        }
    }
}
