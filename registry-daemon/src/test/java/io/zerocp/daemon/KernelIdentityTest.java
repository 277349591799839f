package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Identity is what the kernel says (native transport): the pid, uid and gid on every datagram, the process behind a
 * session watched through a pidfd. Real processes: python3 clients that lie about their pid, rebind another's path,
 * run as {@code nobody}, and are {@code kill -9}ed.
 */
class KernelIdentityTest
{
    /** Generous on a loaded 2-core machine: a pidfd reports the exit within milliseconds. */
    private static final long REAP_BOUND_S = 10;

    private EmbeddedDaemon daemon;

    @BeforeEach
    void requireNative()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable: " +
            Transports.nativeUnavailable());
        assumeTrue(PythonPeer.available(), "python3 is not available");
    }

    @AfterEach
    void stop()
    {
        if (null != daemon)
        {
            daemon.close();
        }
    }

    @Test
    void aClaimedPidIsRefusedAndTheRealProcessIsWatched()
    {
        // A long TTL: only the pidfd can end the session in time.
        daemon = EmbeddedDaemon.start(b -> b.transport(TransportKind.NATIVE).leaseTtlMs(600_000).lingerMs(0));
        final long otherLivePid = ProcessHandle.current().pid();
        try (PythonPeer liar = PythonPeer.start(daemon.socket(), String.join("\n",
            "s = sock(b'\\0kit-liar-%d' % os.getpid())",
            "print(ask(s, b'REGISTER:process_id=" + otherLivePid + "')[0])",
            "print(ask(s, b'GET_SHM_PATH:kit_liar,size=4096')[0])",
            "signal.pause()")))
        {
            assertEquals("ERROR: Process mismatch", liar.readLine(30));
            final Path region = Path.of(liar.readLine(30));
            assertEquals(daemon.regionFile("kit_liar"), region);
            assertTrue(Files.exists(region));
            liar.kill();
            await().atMost(REAP_BOUND_S, TimeUnit.SECONDS).until(() -> !Files.exists(region));
        }
    }

    @Test
    void aClientThatNeverRegistersIsCleanedUpWhenKilled()
    {
        daemon = EmbeddedDaemon.start(b -> b.transport(TransportKind.NATIVE).leaseTtlMs(600_000).lingerMs(0));
        try (PythonPeer seedLike = PythonPeer.start(daemon.socket(), String.join("\n",
            "s = sock('" + daemon.socket().resolveSibling("kit-seed.sock") + "')",
            "print(ask(s, b'GET_SHM_PATH:kit_seed,size=8192')[0])",
            "signal.pause()")))
        {
            final Path region = Path.of(seedLike.readLine(30));
            assertTrue(Files.exists(region));
            seedLike.kill();
            await().atMost(REAP_BOUND_S, TimeUnit.SECONDS).until(() -> !Files.exists(region));
        }
    }

    @Test
    void rebindingALiveClientsPathInheritsNothing() throws Exception
    {
        daemon = EmbeddedDaemon.start(b -> b.transport(TransportKind.NATIVE).leaseTtlMs(600_000).lingerMs(0));
        final Path path = daemon.socket().resolveSibling("kit-shared.sock");
        try (PythonPeer owner = PythonPeer.start(daemon.socket(), String.join("\n",
            "s = sock('" + path + "')",
            "print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0])",
            "print(ask(s, b'GET_SHM_PATH:kit_owned,size=4096')[0])",
            "s.close()",
            "os.unlink('" + path + "')",
            "print('closed')",
            "signal.pause()")))
        {
            assertTrue(owner.readLine(30).startsWith("OK lease_ms="));
            final Path region = Path.of(owner.readLine(30));
            assertEquals("closed", owner.readLine(30));

            final String intruder = PythonPeer.run(daemon.socket(), String.join("\n",
                "s = sock('" + path + "')",
                "print(ask(s, b'RENEW')[0])",
                "print(ask(s, b'RELEASE:kit_owned')[0])",
                "print(ask(s, b'RELEASE')[0])",
                "print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0])",
                "print(ask(s, b'GET_SHM_PATH:kit_owned,size=4096')[0])",
                "s.close()",
                "os.unlink('" + path + "')"));
            assertEquals(List.of(
                "ERROR: Not registered",   // the owner's lease is not the intruder's
                "OK",                      // RELEASE of what it does not hold: nothing happens
                "OK",
                "ERROR: Address in use",   // the address is a live process's session
                "ERROR: Address in use"),  // and it cannot take a hold under it either
                intruder.lines().toList());
            Thread.sleep(200); // linger is 0: a wrongly released region would be gone by now
            assertTrue(Files.exists(region), "the intruder's RELEASE reaped the owner's region");

            owner.kill();
            await().atMost(REAP_BOUND_S, TimeUnit.SECONDS).until(() -> !Files.exists(region));
        }
    }

    @Test
    void bruteForceAsNobodyLocksOutOnlyNobody()
    {
        assumeTrue(ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
        final String token = TestTokens.newToken();
        daemon = EmbeddedDaemon.startJson("{\"transport\": \"native\", \"socket-mode\": \"0666\", " +
            "\"auth-failures-per-sender\": 5, \"auth-failures-global\": 10, \"tokens\": [" +
            TestTokens.entry("root-token", token, "\"allow\": [\"*\"]") + "]}");
        // 60 wrong tokens from 60 addresses of one nobody process: past both of the old limits (per address, total)
        final String attacker = PythonPeer.start(List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
            "--clear-groups", "--"), daemon.socket(), String.join("\n",
            "answers = {}",
            "for i in range(60):",
            "    r = ask(sock(b'\\0kit-brute-%d-%d' % (os.getpid(), i)), b'AUTH:token=wrong%d' % i)[0]",
            "    answers[r] = answers.get(r, 0) + 1",
            "print(sorted(answers.items()))")).awaitExit(60);
        assertTrue(attacker.contains("'ERROR: Too many requests'"), attacker);
        assertTrue(attacker.contains("('ERROR: Unauthorized', 5)"), attacker); // 5 tries for the uid, then no more

        final String root = PythonPeer.run(daemon.socket(), String.join("\n",
            "s = sock(b'\\0kit-root-%d' % os.getpid())",
            "print(ask(s, b'AUTH:token=" + token + "')[0])",
            "print(ask(s, b'GET_SHM_SIZE')[0])"));
        assertEquals(List.of("OK", "4096"), root.lines().toList());
    }
}
