package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code zerocpd} main in a child JVM, started wrong in each way an operator can: it prints one line that
 * says what to change (before anything else, with no exception names), exits 2 for configuration, and leaves
 * nothing behind: no socket, no {@code <socket>.lock}, no {@code <shm-dir>/.zerocpd}, no directory it made.
 */
class StartupErrorsTest
{
    /** Runs zerocpd with {@code args}; asserts the one line and the exit code; returns the line. */
    private static String failsWithOneLine(final int exitCode, final String expected, final String... args)
        throws Exception
    {
        try (ChildJvm zerocpd = ChildJvm.start(Zerocpd.class, args))
        {
            final int exit = zerocpd.waitFor(60, TimeUnit.SECONDS);
            final String output = zerocpd.output();
            final List<String> lines = output.lines().toList();
            assertAll(output,
                () -> assertEquals(exitCode, exit, "exit code"),
                () -> assertEquals(1, lines.size(), "one line, and nothing printed before it"),
                () -> assertTrue(lines.get(0).startsWith("zerocpd: "), lines.get(0)),
                () -> assertTrue(lines.get(0).contains(expected), lines.get(0)),
                () -> assertFalse(output.contains("Exception"), "no exception names"),
                () -> assertFalse(output.contains("\tat "), "no stack trace"));
            return lines.get(0);
        }
    }

    private static List<Path> tree(final Path root) throws Exception
    {
        if (!Files.exists(root))
        {
            return List.of();
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            return paths.sorted().toList();
        }
    }

    @Test
    void shmDirAtARegularFile() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path file = Files.writeString(dirs.socketDir().resolve("not-a-dir"), "x");
            final List<Path> before = tree(dirs.socketDir());
            failsWithOneLine(2, "--shm-dir " + file + ": " + file + " is a regular file",
                "--socket", dirs.socket().toString(), "--shm-dir", file.toString());
            assertEquals(before, tree(dirs.socketDir()), "nothing left next to the socket");
            assertEquals("x", Files.readString(file));
        }
    }

    @Test
    void shmDirUnderProcWhereNoDirectoryCanBeMade() throws Exception
    {
        final Path proc = Paths.get("/proc", "zerocp-test-" + ProcessHandle.current().pid(), "shm");
        try (TestDirs dirs = new TestDirs())
        {
            final List<Path> before = tree(dirs.socketDir());
            failsWithOneLine(2, "--shm-dir " + proc + ": cannot create",
                "--socket", dirs.socket().toString(), "--shm-dir", proc.toString());
            assertEquals(before, tree(dirs.socketDir()), "no lock file left");
        }
    }

    @Test
    void stateDirAtARegularFile() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path file = Files.writeString(dirs.socketDir().resolve("state-file"), "x");
            final List<Path> before = tree(dirs.socketDir());
            failsWithOneLine(2, "--state-dir " + file,
                "--socket", dirs.socket().toString(), "--shm-dir", dirs.shmDir().toString(),
                "--state-dir", file.toString());
            assertEquals(before, tree(dirs.socketDir()));
            assertEquals(List.of(dirs.shmDir()), tree(dirs.shmDir()), "the shm dir is as it was");
        }
    }

    @Test
    void socketPathOneByteOverTheLimitIsRefusedAndOneAtTheLimitWorks() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path tooLong = socketOfLength(dirs, DaemonContext.MAX_SOCKET_PATH_BYTES + 1);
            final String line = failsWithOneLine(2, "at most " + DaemonContext.MAX_SOCKET_PATH_BYTES + " bytes",
                "--socket", tooLong.toString(), "--shm-dir", dirs.shmDir().toString());
            assertTrue(line.contains(tooLong + " is " + (DaemonContext.MAX_SOCKET_PATH_BYTES + 1) + " bytes"), line);
            assertEquals(List.of(dirs.socketDir()), tree(dirs.socketDir()), "no lock, no socket");
            assertEquals(List.of(dirs.shmDir()), tree(dirs.shmDir()), "no .zerocpd");

            // The limit is the real one: a path of exactly that length binds, with its .fd side socket.
            final Path longest = socketOfLength(dirs, DaemonContext.MAX_SOCKET_PATH_BYTES);
            try (Daemon daemon = Daemon.start(DaemonConfig.builder().socketPath(longest).shmDir(dirs.shmDir())
                .build()))
            {
                assertTrue(Files.exists(longest));
                assertTrue(Files.exists(Paths.get(longest + SocketFiles.DESCRIPTOR_SOCKET_SUFFIX)));
            }
        }
    }

    private static Path socketOfLength(final TestDirs dirs, final int bytes)
    {
        final String prefix = dirs.socketDir().toAbsolutePath() + "/";
        final char[] name = new char[bytes - prefix.getBytes(StandardCharsets.UTF_8).length];
        Arrays.fill(name, 's');
        final Path path = Paths.get(prefix + new String(name));
        assertEquals(bytes, path.toString().getBytes(StandardCharsets.UTF_8).length);
        return path;
    }

    @Test
    void groupThatDoesNotExist() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path config = Files.writeString(dirs.socketDir().resolve("config.json"),
                "{\"region-modes\": [{\"pattern\": \"x*\", \"mode\": \"0660\", \"group\": \"zerocp-no-such-group\"}]}");
            final List<Path> before = tree(dirs.socketDir());
            failsWithOneLine(2, "region-modes[0].group 'zerocp-no-such-group' does not exist",
                "--config", config.toString(), "--socket", dirs.socket().toString(),
                "--shm-dir", dirs.shmDir().toString());
            assertEquals(before, tree(dirs.socketDir()), "no <socket>.lock");
            assertEquals(List.of(dirs.shmDir()), tree(dirs.shmDir()), "no <shm-dir>/.zerocpd");
        }
    }

    @Test
    void shmDirThatDoesNotExistYetIsCreatedAndAFailedStartRemovesIt() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path fresh = dirs.shmDir().resolve("a/b");
            final Path config = Files.writeString(dirs.socketDir().resolve("config.json"),
                "{\"region-modes\": [{\"pattern\": \"x*\", \"mode\": \"0660\", \"group\": \"zerocp-no-such-group\"}]}");
            failsWithOneLine(2, "does not exist", "--config", config.toString(),
                "--socket", dirs.socket().toString(), "--shm-dir", fresh.toString());
            assertEquals(List.of(dirs.shmDir()), tree(dirs.shmDir()), "nothing made");
        }
    }

    @Test
    void aStartThatFailsAfterTheJournalWasMadeRemovesItAndTheStateDir() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            // The default region's file, planted by another user: found only once the state is restored.
            final Path planted = Files.write(dirs.shmDir().resolve("zero_copy_framework_shm"), new byte[4096]);
            Files.setAttribute(planted, "unix:uid", 65534);
            final List<Path> before = tree(dirs.socketDir());
            failsWithOneLine(1, "belongs to another user", "--socket", dirs.socket().toString(),
                "--shm-dir", dirs.shmDir().toString());
            assertEquals(List.of(dirs.shmDir(), planted), tree(dirs.shmDir()), "no .zerocpd, no journal, no spare");
            assertEquals(before, tree(dirs.socketDir()), "no <socket>.lock");
        }
    }

    @Test
    void journalOfAnUnknownVersionIsRefusedAndKept() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path stateDir = Files.createDirectories(dirs.shmDir().resolve(".zerocpd"));
            final byte[] future = ByteBuffer.allocate(8).putInt(JournalCodec.MAGIC).putInt(99).array();
            final Path journal = Files.write(stateDir.resolve(StateJournal.FILE_NAME), future);
            final List<Path> before = new ArrayList<>(tree(dirs.socketDir()));
            failsWithOneLine(1, "format version 99", "--socket", dirs.socket().toString(),
                "--shm-dir", dirs.shmDir().toString());
            assertArrayEquals(future, Files.readAllBytes(journal), "left as it was");
            assertFalse(Files.exists(dirs.socket()), "no socket bound");
            assertEquals(before, tree(dirs.socketDir()), "the lock this start made is gone");
        }
    }
}
