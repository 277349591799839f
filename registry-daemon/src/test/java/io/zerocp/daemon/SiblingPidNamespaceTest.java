package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.ExternalCommand;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 25, case 6: a sender the kernel cannot name by pid keeps its uid. zerocpd runs in a pid namespace of its own
 * ({@code unshare --pid --fork --mount-proc}), and the clients, python processes started from this JVM, are outside
 * it: their pid namespace is not the daemon's nor below it, so the kernel attaches pid 0 to their datagrams (as
 * between two sibling containers), with their real uid and gid. The attacker runs as {@code nobody} (setpriv).
 * Native transport only: junixsocket has no credentials at all.
 */
class SiblingPidNamespaceTest
{
    private static final List<String> AS_NOBODY =
        List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--");
    private static final List<String> OWN_PID_NAMESPACE =
        List.of("unshare", "--pid", "--fork", "--kill-child", "--mount-proc");

    private TestDirs dirs;
    private ChildJvm daemon;

    @BeforeEach
    void requireNamespacesAndNobody()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable: " +
            Transports.nativeUnavailable());
        assumeTrue(!"junixsocket".equals(System.getProperty("zerocp.transport")),
            "about the native transport's kernel credentials: junixsocket has none (the native run covers it)");
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
        assumeTrue(ExternalCommand.works("unshare", "--pid", "--fork", "--mount-proc", "true"),
            "skipped: cannot make a pid namespace (unshare --pid needs root or CAP_SYS_ADMIN)");
        dirs = new TestDirs();
    }

    @AfterEach
    void stop()
    {
        if (null != daemon)
        {
            daemon.close(); // SIGKILL of unshare: --kill-child takes the daemon (pid 1 of its namespace) with it
        }
        if (null != dirs)
        {
            dirs.close();
        }
    }

    @Test
    void theSessionCapHoldsForASiblingsUid() throws Exception
    {
        startDaemon("\"max-sessions-per-uid\": 5");
        // 60 sockets of one nobody process each REGISTER (pid 1 is alive in the daemon's namespace: the daemon).
        final String attacker = PythonPeer.start(AS_NOBODY, socket(), String.join("\n",
            "answers = {}",
            "for i in range(60):",
            "    r = ask(sock(b'\\0kit-cap-%d-%d' % (os.getpid(), i)), b'REGISTER:process_id=1')[0].split('=')[0]",
            "    answers[r] = answers.get(r, 0) + 1",
            "print(sorted(answers.items()))")).awaitExit(60);
        assertEquals("[('ERROR: Too many sessions', 55), ('OK lease_ms', 5)]", attacker.trim(),
            "nobody got more than its 5 sessions: " + attacker);

        final String root = PythonPeer.run(socket(), String.join("\n",
            "print(ask(sock(b'\\0kit-cap-root-%d' % os.getpid()), b'REGISTER:process_id=1')[0].split('=')[0])"));
        assertEquals("OK lease_ms", root.trim(), "another uid's cap is its own");
        assertTrue(daemon.printed("uid 65534]"), daemon::output); // the sessions were nobody's
    }

    @Test
    void aSiblingsFailedAuthsDoNotLockAnotherUidOut() throws Exception
    {
        final String token = TestTokens.newToken();
        startDaemon("\"auth-failures-per-sender\": 5, \"auth-failures-global\": 10, \"tokens\": [" +
            TestTokens.entry("root-token", token, "\"allow\": [\"*\"]") + "]");
        // 60 wrong tokens from 60 addresses of one nobody process: past both of the old limits (per address, total)
        final String attacker = PythonPeer.start(AS_NOBODY, socket(), String.join("\n",
            "answers = {}",
            "for i in range(60):",
            "    r = ask(sock(b'\\0kit-brute-%d-%d' % (os.getpid(), i)), b'AUTH:token=wrong%d' % i)[0]",
            "    answers[r] = answers.get(r, 0) + 1",
            "print(sorted(answers.items()))")).awaitExit(60);
        final String root = PythonPeer.run(socket(), String.join("\n",
            "s = sock(b'\\0kit-root-%d' % os.getpid())",
            "print(ask(s, b'AUTH:token=" + token + "')[0])",
            "print(ask(s, b'GET_SHM_SIZE')[0])"));
        assertEquals(List.of("OK", "4096"), root.lines().toList(), "root was locked out by nobody's failures");
        assertEquals("[('ERROR: Too many requests', 55), ('ERROR: Unauthorized', 5)]", attacker.trim(),
            "5 tries for nobody's uid, then no more");
    }

    @Test
    void anotherUidBindingAGoneClientsAddressGetsNoneOfItsRights() throws Exception
    {
        final String admin = TestTokens.newToken();
        startDaemon("\"lease-ttl-ms\": 3000, \"linger-ms\": 0, \"private-regions\": [\"kit_private*\"], " +
            "\"tokens\": [" + TestTokens.entry("admin", admin, "\"allow\": [\"*\"], \"admin\": true") + "]");
        final String address = "\\0kit-victim-" + UUID.randomUUID().toString().substring(0, 8);

        // root authenticates as admin, takes a private region by descriptor, and exits (its socket goes with it).
        final String root = PythonPeer.run(socket(), String.join("\n",
            "s = sock(b'" + address + "')",
            "print(ask(s, b'AUTH:token=" + admin + "')[0])",
            "print(ask(s, b'GET_SHM_FD:kit_private,size=4096')[0])"));
        assertEquals(List.of("OK", "4096"), root.lines().toList());
        final Path region = dirs.shmDir().resolve("kit_private_shm");
        assertTrue(Files.exists(region));

        // nobody binds the same abstract name at once, while root's session (leased, no process to watch) lives.
        final String intruder = PythonPeer.start(AS_NOBODY, socket(), String.join("\n",
            "s = sock(b'" + address + "')",
            "print(ask(s, b'LIST')[0][:40])",
            "print(ask(s, b'GET_SHM_FD:kit_private,mode=ro')[0])",
            "print(ask(s, b'RENEW')[0])",
            "print(ask(s, b'RELEASE:kit_private')[0])",
            "print(ask(s, b'RELEASE')[0])")).awaitExit(60);
        assertEquals(List.of(
            "ERROR: Unauthorized",  // not root's admin session
            "ERROR: Unauthorized",  // nor its rights on the private region
            "ERROR: Unauthorized",
            "ERROR: Unauthorized",  // and it cannot release root's hold
            "ERROR: Unauthorized"), intruder.lines().toList(), "nobody inherited root's session: " + intruder);
        assertTrue(Files.exists(region), "root's hold was released by nobody");

        // Once root's lease has run out the address is free, and nobody starts from nothing there.
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (Files.exists(region) && System.nanoTime() < deadline)
        {
            Thread.sleep(100);
        }
        assertTrue(!Files.exists(region), "root's session never ended");
        final String after = PythonPeer.start(AS_NOBODY, socket(), String.join("\n",
            "s = sock(b'" + address + "')",
            "print(ask(s, b'LIST')[0][:40])",
            "print(ask(s, b'AUTH:token=wrong')[0])",
            "print(ask(s, b'LIST')[0][:40])")).awaitExit(60);
        assertEquals(List.of("ERROR: Unauthorized", "ERROR: Unauthorized", "ERROR: Unauthorized"),
            after.lines().toList());
    }

    /**
     * A sibling's {@code nobody} has the kernel's overflow uid (65534), which is also what a datagram queued before
     * credentials were on reports: with a pidfd on every datagram ({@code -Dzerocp.transport.pidfds=true}) the two are
     * told apart, and nobody's session is nobody's: root binding its address after it closed its socket neither
     * continues it nor releases its holds.
     */
    @Test
    void withPidfdsASiblingsNobodyKeepsItsSessionFromAnotherUid() throws Exception
    {
        startDaemon("\"linger-ms\": 0", "-Dzerocp.transport.pidfds=true");
        final String address = "\\0kit-nobody-" + UUID.randomUUID().toString().substring(0, 8);
        final String owner = PythonPeer.start(AS_NOBODY, socket(), String.join("\n",
            "s = sock(b'" + address + "')",
            "print(ask(s, b'REGISTER:process_id=1')[0].split('=')[0])",
            "print(ask(s, b'GET_SHM_PATH:kit_nobodys,size=4096')[0])")).awaitExit(60);
        assertEquals(List.of("OK lease_ms", dirs.shmDir().resolve("kit_nobodys_shm").toString()),
            owner.lines().toList());

        final String root = PythonPeer.run(socket(), String.join("\n",
            "s = sock(b'" + address + "')",
            "print(ask(s, b'RENEW')[0])",
            "print(ask(s, b'RELEASE:kit_nobodys')[0])",
            "print(ask(s, b'REGISTER:process_id=1')[0])"));
        assertEquals(List.of("ERROR: Not registered", "OK", "ERROR: Address in use"), root.lines().toList(),
            "root continued nobody's session");
        Thread.sleep(200); // linger is 0: a wrongly released region would be gone by now
        assertTrue(Files.exists(dirs.shmDir().resolve("kit_nobodys_shm")), "root released nobody's hold");
    }

    private void startDaemon(final String settings, final String... properties) throws Exception
    {
        final Path config = dirs.socketDir().resolve("zerocpd.json");
        Files.writeString(config, "{\"transport\": \"native\", \"socket-mode\": \"0666\", " + settings + "}");
        final List<String> prefix = new java.util.ArrayList<>(OWN_PID_NAMESPACE);
        if (properties.length > 0)
        {
            prefix.addAll(List.of("env", "JAVA_TOOL_OPTIONS=" + String.join(" ", properties)));
        }
        daemon = ChildDaemon.startUnder(prefix, config, socket(), dirs.shmDir(), 120);
    }

    private Path socket()
    {
        return dirs.socket();
    }
}
