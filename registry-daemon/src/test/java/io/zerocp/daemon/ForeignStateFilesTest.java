package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;

import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 25, case 2: the files the daemon trusts are its own. A real process of the user {@code nobody} (setpriv)
 * makes the state directory first, plants lock files as links to a root-owned file, or has a session written into
 * the journal under the admin token's id; the daemon refuses what is not its own, never writes through a link, and
 * gives a session nobody's rights only when the config's token proves them.
 */
class ForeignStateFilesTest
{
    private static final int NOBODY = 65534;
    private static final String PRECIOUS = "root's own file\n";

    private TestDirs dirs;
    private Path victim;

    @BeforeEach
    void setUp() throws IOException
    {
        assumeTrue(ChildJvm.canRunAs("nobody"), "skipped: needs root, setpriv and the user nobody");
        dirs = new TestDirs();
        victim = dirs.socketDir().resolve("victim");
        Files.writeString(victim, PRECIOUS);
    }

    @AfterEach
    void tearDown()
    {
        if (null != dirs)
        {
            dirs.close();
        }
    }

    @Test
    void aStateDirectoryNobodyMadeFirstIsRefusedAndLeftAlone() throws Exception
    {
        Files.setAttribute(dirs.shmDir(), "unix:mode", 01777); // like /dev/shm
        final Path stateDir = dirs.shmDir().resolve(".zerocpd");
        asNobody("mkdir", "-m", "0700", stateDir.toString());
        asNobody("ln", "-s", victim.toString(), stateDir.resolve("lock").toString());

        final Daemon.DaemonStartException refused = assertThrows(Daemon.DaemonStartException.class,
            () -> Daemon.start(config(dirs.socket())));

        assertTrue(refused.getMessage().contains(stateDir + " belongs to uid " + NOBODY), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
        assertEquals(NOBODY, Files.getAttribute(stateDir, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(0700, (Integer)Files.getAttribute(stateDir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
        assertEquals(PRECIOUS, Files.readString(victim), "the link in it was never followed");
        assertFalse(Files.exists(dirs.socket()), "never served");
    }

    @Test
    void aLockLinkNobodyPlantedInAStateDirectoryOthersCanWriteIsRefusedAndItsTargetUnchanged() throws Exception
    {
        final Path stateDir = Files.createDirectory(dirs.shmDir().resolve("state"));
        Files.setAttribute(stateDir, "unix:mode", 0777);
        asNobody("ln", "-s", victim.toString(), stateDir.resolve("lock").toString());

        final Daemon.DaemonStartException refused = assertThrows(Daemon.DaemonStartException.class,
            () -> Daemon.start(config(dirs.socket(), stateDir)));

        assertTrue(refused.getMessage().contains("is mode 0777"), refused.getMessage());
        assertEquals(PRECIOUS, Files.readString(victim));
        assertFalse(Files.exists(dirs.socket()), "never served");
    }

    @Test
    void aLockLinkInTheDaemonsOwnStateDirectoryIsNeverFollowed() throws Exception
    {
        final Path stateDir = Files.createDirectory(dirs.shmDir().resolve("state"));
        Files.createSymbolicLink(stateDir.resolve("lock"), victim);

        final Daemon.DaemonStartException refused = assertThrows(Daemon.DaemonStartException.class,
            () -> Daemon.start(config(dirs.socket(), stateDir)));

        assertTrue(refused.getMessage().contains("is a symbolic link"), refused.getMessage());
        assertEquals(PRECIOUS, Files.readString(victim));
    }

    @Test
    void aSocketLockLinkNobodyPlantedInAStickyDirectoryIsIgnoredAndTwoDaemonsStillMeet() throws Exception
    {
        final Path tmp = Files.createDirectory(dirs.socketDir().resolve("tmp"));
        Files.setAttribute(tmp, "unix:mode", 01777); // like /tmp
        final Path socket = tmp.resolve("d.sock");
        asNobody("ln", "-s", victim.toString(), tmp.resolve("d.sock.lock").toString());

        try (Daemon daemon = Daemon.start(config(socket));
            RawClient client = new RawClient(socket))
        {
            assertEquals("PONG", client.ask("PING"));
            assertEquals(PRECIOUS, Files.readString(victim), "the planted link was never followed");
            final Path lockDir = tmp.resolve(".zerocpd-locks-" + OpenFiles.ownUid());
            assertEquals(0700, (Integer)Files.getAttribute(lockDir, "unix:mode") & 07777);
            assertTrue(Files.isRegularFile(lockDir.resolve("d.sock.lock"), LinkOption.NOFOLLOW_LINKS));

            final Path otherShm = Files.createDirectory(dirs.shmDir().resolve("other"));
            final Daemon.DaemonStartException second = assertThrows(Daemon.DaemonStartException.class,
                () -> Daemon.start(DaemonConfig.builder().socketPath(socket).shmDir(otherShm).build()));
            // In one JVM the second lock attempt meets the first one's flock as "in use by this process already".
            assertTrue(second.getMessage().contains("socket " + socket) &&
                second.getMessage().contains(lockDir.resolve("d.sock.lock").toString()), second.getMessage());
            assertEquals("PONG", client.ask("PING"), "the first one serves on");
        }
        assertEquals(PRECIOUS, Files.readString(victim));
    }

    @Test
    void aSessionWrittenIntoTheJournalUnderTheAdminTokensIdGetsNoRightsAfterARestart() throws Exception
    {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "skipped: needs /usr/bin/python3");
        final String admin = TestTokens.newToken();
        final String json = "{\"socket-mode\": \"0666\", \"private-regions\": [\"secret_*\"], \"tokens\": [" +
            TestTokens.entry("root", admin, "\"allow\": [\"*\"], \"admin\": true") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json))
        {
            final Path nobodyDir = Files.createDirectory(daemon.socketDir().resolve("nobody"));
            Files.setAttribute(nobodyDir, "unix:uid", NOBODY);
            final Path evil = nobodyDir.resolve("evil.sock");
            try (RawClient root = new RawClient(daemon.socket()))
            {
                assertEquals("OK", root.ask("AUTH:token=" + admin));
                final String size = root.ask("GET_SHM_FD:secret_a");
                assertFalse(size.startsWith("ERROR"), size);
            }
            // What nobody did to a journal it could write: a session at its own address, carrying the admin token's
            // id and what the journal used to hold for it (the token's SHA-256), with a valid checksum.
            daemon.restart(() -> appendForgedSession(daemon.journalFile(), evil,
                HexFormat.of().parseHex(TestTokens.sha256Hex(admin))));

            final String replies;
            try (PythonPeer nobody = PythonPeer.start(nobodyCommand(), daemon.socket(), String.join("\n",
                "s = sock(" + pythonString(evil) + ")",
                "print(ask(s, b'LIST')[0], flush=True)",
                "print(ask(s, b'GET_SHM_FD:secret_a')[0], flush=True)")))
            {
                replies = nobody.awaitExit(60);
            }
            assertEquals(List.of("ERROR: Unauthorized", "ERROR: Unauthorized"),
                List.of(replies.trim().split("\n")), replies);
        }
    }

    /** Appends a session at {@code address} claiming the token "root" with {@code proof}, checksums valid. */
    private static void appendForgedSession(final Path journal, final Path address, final byte[] proof)
    {
        try
        {
            Files.write(journal, JournalForgery.withSession(Files.readAllBytes(journal), 1L << 40,
                address.toString().getBytes(StandardCharsets.UTF_8), false, "root", proof));
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private DaemonConfig config(final Path socket)
    {
        return DaemonConfig.builder().socketPath(socket).shmDir(dirs.shmDir()).build();
    }

    private DaemonConfig config(final Path socket, final Path stateDir)
    {
        return DaemonConfig.builder().socketPath(socket).shmDir(dirs.shmDir()).stateDir(stateDir).build();
    }

    private static String pythonString(final Path path)
    {
        return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static List<String> nobodyCommand()
    {
        return List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--");
    }

    private static void asNobody(final String... command) throws IOException, InterruptedException
    {
        final List<String> full = new java.util.ArrayList<>(nobodyCommand());
        full.addAll(List.of(command));
        final Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "nobody's command ended");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
    }
}
