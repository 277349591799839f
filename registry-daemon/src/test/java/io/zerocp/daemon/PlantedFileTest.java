package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A file already at a static region's path is adopted only if it is the daemon's own: a file of the right size
 * planted by another user would otherwise be handed to every client while that user can still read, write and
 * truncate it.
 */
class PlantedFileTest
{
    @Test
    void aStaticRegionFileOfAnotherUserIsNeverAdopted() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to give a file away");
        try (TestDirs dirs = new TestDirs())
        {
            final Path planted = dirs.shmDir().resolve("zero_copy_framework_shm");
            Files.write(planted, new byte[4096]);
            Files.setAttribute(planted, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS); // nobody
            final DaemonConfig config = DaemonConfig.builder().socketPath(dirs.socket()).shmDir(dirs.shmDir()).build();

            final Daemon.DaemonStartException refused =
                assertThrows(Daemon.DaemonStartException.class, () -> Daemon.start(config));
            assertTrue(refused.getMessage().contains("belongs to another user"), refused.getMessage());
            assertEquals(65534, Files.getAttribute(planted, "unix:uid", LinkOption.NOFOLLOW_LINKS), "left alone");
            assertTrue(!Files.exists(dirs.socket()), "never started serving");
        }
    }

    @Test
    void theDaemonsOwnFileIsAdoptedWithTheConfiguredMode() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path own = dirs.shmDir().resolve("zero_copy_framework_shm");
            Files.write(own, new byte[4096]);
            Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rw-rw-rw-"));
            final DaemonConfig config = DaemonConfig.builder().socketPath(dirs.socket()).shmDir(dirs.shmDir()).build();
            try (Daemon daemon = Daemon.start(config);
                RawClient client = new RawClient(dirs.socket()))
            {
                assertEquals(own.toString(), client.ask("GET_SHM_PATH"));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(own)));
            }
        }
    }
}
