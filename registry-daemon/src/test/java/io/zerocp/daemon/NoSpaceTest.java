package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TmpfsMount;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A region that does not fit the tmpfs is refused up front with {@code ERROR: No space} and leaves no partial file
 * (a sparse file would map fine and SIGBUS its first writer later).
 */
class NoSpaceTest
{
    @Test
    void regionLargerThanTheTmpfsIsNoSpaceAndLeavesNothing() throws Exception
    {
        try (TmpfsMount tmpfs = TmpfsMount.mount("1m"))
        {
            final Path mountPoint = tmpfs.path();
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
    }
}
