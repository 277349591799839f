package io.zerocp.daemon;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container recipes under {@code packaging/} stay in step with the daemon: the image's config loads under the
 * strict checks, and the Dockerfile starts the daemon with the config, socket and shm paths the recipes share.
 */
class ContainerRecipesTest
{
    private static final Path DOCKER = Path.of("..", "packaging", "docker");

    @Test
    void theImagesConfigLoadsAndItsFloorIsAboveDockersDefaultShm() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final DaemonConfig config = ConfigLoader.parse(Files.readString(DOCKER.resolve("zerocpd.json")),
                new ConfigLoader.Overrides(dirs.socket(), dirs.shmDir(), null, null, null, null, null, null));
            assertTrue(config.shmMinBytes > 64_000_000L, "warns on Docker's 64 MB default /dev/shm");
            assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(config.regionMode));
            assertTrue(config.maxRegionSize <= config.shmMinBytes, "a region the config allows fits the floor");
        }
    }

    @Test
    void theDockerfileStartsTheDaemonOnTheSharedPaths() throws Exception
    {
        final String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("\"io.zerocp.daemon.Zerocpd\""), dockerfile);
        assertTrue(dockerfile.contains("\"--socket\", \"/run/zerocp/zerocpd.sock\", \"--shm-dir\", \"/dev/shm\""),
            dockerfile);
        assertTrue(dockerfile.contains("COPY packaging/docker/zerocpd.json /etc/zerocp/zerocpd.json"), dockerfile);
        for (final String flag : io.zerocp.api.RequiredJvmFlags.forThisJvm())
        {
            assertTrue(dockerfile.contains("\"" + flag + "\""), () -> "the image's JVM lacks " + flag);
        }
    }
}
