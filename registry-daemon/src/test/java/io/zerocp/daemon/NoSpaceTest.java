package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A region that does not fit the tmpfs is refused up front with {@code ERROR: No space} and leaves no partial file
 * (a sparse file would map fine and SIGBUS its first writer later).
 */
class NoSpaceTest
{
    @Test
    void regionLargerThanTheTmpfsIsNoSpaceAndLeavesNothing() throws Exception
    {
        final Path mountPoint = Files.createTempDirectory("zerocp-nospace-");
        try
        {
            final String mountOutput = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString());
            assumeTrue(null == mountOutput, () -> "cannot mount a tmpfs (needs root): " + mountOutput);
            try
            {
                // A small journal reserve (it takes two of them) and no cap of its own, so the tmpfs's size decides.
                try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.shmDir(mountPoint)
                        .journalReserveBytes(DaemonConfig.MIN_JOURNAL_RESERVE_BYTES).openMaxBytes(1L << 40));
                    RawClient client = new RawClient(daemon.socket()))
                {
                    assertEquals(mountPoint.resolve("zero_copy_framework_shm").toString(), client.ask("GET_SHM_PATH"));
                    assertEquals(4096, Files.size(mountPoint.resolve("zero_copy_framework_shm")));

                    assertEquals("ERROR: No space", client.ask("GET_SHM_PATH:big,size=2097152"));
                    assertFalse(Files.exists(mountPoint.resolve("big_shm")));
                    assertEquals("ERROR: No such region", client.ask("GET_SHM_SIZE:big"));

                    // 768 KiB fits only if the partial 1 MiB of the refused region was given back.
                    assertEquals(mountPoint.resolve("small_shm").toString(),
                        client.ask("GET_SHM_PATH:small,size=786432"));
                    assertEquals(786432, Files.size(mountPoint.resolve("small_shm")));
                    assertEquals("786432", client.ask("GET_SHM_SIZE:small"));

                    assertEquals("ERROR: No space", client.ask("GET_SHM_PATH:big,size=2097152"));
                    assertFalse(Files.exists(mountPoint.resolve("big_shm")));
                    assertEquals("PONG", client.ask("PING"));
                }
            }
            finally
            {
                final String umountOutput = run("umount", mountPoint.toString());
                assertEquals(null, umountOutput, "umount failed");
            }
        }
        finally
        {
            TestDirs.deleteTree(mountPoint);
        }
    }

    /** @return {@code null} on success, else the command's output. */
    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return "timed out";
        }
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output.trim();
    }
}
