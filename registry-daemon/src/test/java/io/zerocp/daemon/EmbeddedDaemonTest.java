package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding hook: a daemon in this JVM in directories made for it alone, removed when it closes (and when it
 * fails to start), never one the caller named.
 */
class EmbeddedDaemonTest
{
    @Test
    void runsInFreshDirectoriesThatCloseRemoves() throws Exception
    {
        final Path socketDir;
        final Path shmDir;
        try (EmbeddedDaemon one = EmbeddedDaemon.start();
             EmbeddedDaemon two = EmbeddedDaemon.start();
             RawClient client = new RawClient(one.socket()))
        {
            socketDir = one.socketDir();
            shmDir = one.shmDir();
            assertEquals(Paths.get("/tmp"), socketDir.getParent());
            assertEquals(Paths.get("/dev/shm"), shmDir.getParent());
            assertEquals(socketDir, one.socket().getParent());
            assertNotEquals(socketDir, two.socketDir());
            assertNotEquals(shmDir, two.shmDir());
            assertEquals("PONG", client.ask("PING"));

            final String path = client.ask("GET_SHM_PATH:embedded_a");
            assertEquals(one.regionFile("embedded_a").toString(), path);
            assertTrue(Files.isRegularFile(one.regionFile("embedded_a")));
            assertTrue(Files.isRegularFile(one.journalFile()), "journal " + one.journalFile());
            Files.writeString(socketDir.resolve("a-test-file"), "left by a test");

            one.close();
            assertFalse(Files.exists(socketDir), "socket dir left behind");
            assertFalse(Files.exists(shmDir), "shm dir left behind");
            one.close(); // safe twice
            assertTrue(Files.isDirectory(two.shmDir()), "closing one daemon removed another's directory");
        }
    }

    @Test
    void restartKeepsDirectoriesAndState()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
             RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals(daemon.regionFile("embedded_b").toString(), client.ask("GET_SHM_PATH:embedded_b"));
            final Daemon before = daemon.daemon();
            daemon.restart();
            assertNotEquals(before, daemon.daemon());
            assertEquals("PONG", client.ask("PING"));
            assertEquals(daemon.regionFile("embedded_b").toString(), client.ask("GET_SHM_PATH:embedded_b"));
            assertTrue(Files.isRegularFile(daemon.regionFile("embedded_b")));
        }
    }

    @Test
    void aFailedStartRemovesItsDirectories()
    {
        final Path[] made = new Path[2];
        assertThrows(IllegalStateException.class, () -> EmbeddedDaemon.start(b ->
        {
            made[0] = b.socketPath.getParent();
            made[1] = b.shmDir;
            b.leaseTtlMs(0); // rejected when the daemon concludes its configuration
        }));
        assertTrue(made[0].getFileName().toString().startsWith("zerocp-embedded-"), made[0].toString());
        assertFalse(Files.exists(made[0]), "socket dir left behind");
        assertFalse(Files.exists(made[1]), "shm dir left behind");

        assertThrows(IllegalStateException.class, () -> EmbeddedDaemon.startJson("{\"lease-ttl-ms\": \"soon\"}"));
    }

    @Test
    void neverRemovesADirectoryTheCallerNamed()
    {
        final Path[] fresh = new Path[1];
        try (TestDirs own = new TestDirs())
        {
            try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b ->
            {
                fresh[0] = b.shmDir;
                b.shmDir(own.shmDir());
            }))
            {
                assertEquals(own.shmDir(), daemon.shmDir());
            }
            assertTrue(Files.isDirectory(own.shmDir()), "the caller's shm dir was removed");
            assertFalse(Files.exists(fresh[0]), "the unused fresh shm dir was left behind");
        }
    }
}
