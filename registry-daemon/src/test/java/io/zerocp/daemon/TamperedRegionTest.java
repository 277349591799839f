package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the daemon does when a client that can write a region's file truncates it (docs/security.md).
 */
class TamperedRegionTest
{
    @Test
    void aTruncatedHeldRegionIsNotNoticedWhileRunningAndDroppedAtRestart() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(0));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK lease_ms=10000", client.ask("REGISTER:process_id=" + ProcessHandle.current().pid()));
            assertEquals(daemon.regionFile("shared").toString(), client.ask("GET_SHM_PATH:shared"));
            truncate(daemon.regionFile("shared"));
            assertEquals("4096", client.ask("GET_SHM_SIZE:shared"), "the daemon does not watch file sizes");

            daemon.restart();
            assertEquals("ERROR: No such region", client.ask("GET_SHM_SIZE:shared"), "dropped from the registry");
            // The file it no longer vouches for stays until an operator removes it (docs/security.md).
            assertEquals("ERROR: Name in use", client.ask("GET_SHM_PATH:shared"));
            assertEquals(100, Files.size(daemon.regionFile("shared")), "never adopted at the wrong size");

            Files.delete(daemon.regionFile("shared"));
            assertEquals(daemon.regionFile("shared").toString(), client.ask("GET_SHM_PATH:shared"));
            assertEquals(4096, Files.size(daemon.regionFile("shared")));
        }
    }

    @Test
    void aShortRegionThatWasNeverHeldIsCompletedAtRestartLikeACreationCutShort() throws Exception
    {
        // A region nobody holds: only the address-only transport leaves one (with kernel credentials whoever asks for
        // a region holds it while its process lives).
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(0).transport(TransportKind.JUNIXSOCKET));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals(daemon.regionFile("loose").toString(), client.ask("GET_SHM_PATH:loose"));
            truncate(daemon.regionFile("loose"));

            daemon.restart();
            // A never-held region with a short file cannot be told from a crash mid-creation: it is filled up to its
            // size (the bytes it still has are kept), never left short, so nobody maps past the end.
            assertEquals("4096", client.ask("GET_SHM_SIZE:loose"));
            assertEquals(4096, Files.size(daemon.regionFile("loose")));
        }
    }

    private static void truncate(final java.nio.file.Path file) throws java.io.IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(100); // a writer with access to the path (or a read-write descriptor) can do this
        }
    }
}
