package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 25, case 2: a stall is not the clients' fault. Clients renew every third of a 1.5 s lease all along while the
 * daemon does not serve for longer than the lease: its conductor blocked (a task that sleeps on the conductor thread,
 * as the close of a lingering descriptor used to), or paused for a {@code --replace} successor that never confirms.
 * Before, every one of those sessions ended when the daemon came back (their renewals sat in the socket queue), their
 * holds went and their regions were reaped. Now leases are judged by serving time and queued renewals count first.
 * Runs on the suite's transport.
 */
class ServingTimeLeaseTest
{
    private static final long TTL_MS = 1_500;
    private static final int CLIENTS = 4;
    /** Longer than the lease, shorter than the handover's confirmation timeout (5 s). */
    private static final long STALL_MS = 4_000;

    private EmbeddedDaemon daemon;

    @AfterEach
    void stop()
    {
        if (null != daemon)
        {
            daemon.close();
        }
    }

    @Test
    void aBlockedConductorCostsNoSessionAndNoRegion() throws Exception
    {
        daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(TTL_MS).lingerMs(0));
        final List<RawClient> clients = new ArrayList<>();
        final AtomicBoolean renewing = new AtomicBoolean(true);
        final AtomicInteger renewed = new AtomicInteger();
        final AtomicReference<String> failure = new AtomicReference<>();
        final List<Thread> renewers = new ArrayList<>();
        try
        {
            for (int i = 0; i < CLIENTS; i++)
            {
                final RawClient client = new RawClient(daemon.socket());
                clients.add(client);
                assertEquals("OK lease_ms=" + TTL_MS, client.ask("REGISTER:process_id=" + ProcessHandle.current().pid()));
                assertEquals(daemon.regionFile("stall_" + i).toString(), client.ask("GET_SHM_PATH:stall_" + i));
                final Thread renewer = new Thread(() ->
                {
                    while (renewing.get())
                    {
                        final String reply = client.ask("RENEW");
                        if (null != reply && reply.startsWith("OK lease_ms="))
                        {
                            renewed.incrementAndGet();
                        }
                        else
                        {
                            failure.compareAndSet(null, "RENEW answered " + reply);
                        }
                        sleepMs(TTL_MS / 3);
                    }
                }, "renewer-" + i);
                renewer.start();
                renewers.add(renewer);
            }
            sleepMs(TTL_MS);
            // The conductor blocks for longer than the lease, between two duty cycles, as the close of a lingering
            // socket used to block it; the renewers keep sending meanwhile.
            final CountDownLatch blocked = new CountDownLatch(1);
            daemon.daemon().conductor().submit(() ->
            {
                blocked.countDown();
                sleepMs(STALL_MS);
            });
            assertTrue(blocked.await(10, TimeUnit.SECONDS));
            sleepMs(STALL_MS + 2 * TTL_MS); // the stall, then a lease and more of serving
            renewing.set(false);
            for (final Thread renewer : renewers)
            {
                renewer.join(10_000);
            }
            assertEquals(null, failure.get(), "a renewal was refused after the stall");
            assertTrue(renewed.get() > CLIENTS, "renewals answered: " + renewed.get());
            for (int i = 0; i < CLIENTS; i++)
            {
                assertTrue(Files.exists(daemon.regionFile("stall_" + i)), "stall_" + i + " was reaped");
                assertEquals("OK lease_ms=" + TTL_MS, clients.get(i).ask("RENEW"));
            }
        }
        finally
        {
            renewing.set(false);
            clients.forEach(RawClient::close);
        }
    }

    @Test
    void aReplaceSuccessorThatHangsBeforeConfirmingCostsNoSession() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        try (TestDirs dirs = new TestDirs();
            ChildJvm old = ChildJvm.start(Zerocpd.class, "--socket", dirs.socket().toString(), "--shm-dir",
                dirs.shmDir().toString(), "--lease-ttl-ms", Long.toString(TTL_MS), "--linger-ms", "0"))
        {
            old.awaitPrinted("zerocpd listening");
            // Four sessions of one process, each holding a region and renewing every third of the lease; each
            // prints the first renewal that was not OK, and at the end how many were.
            try (PythonPeer holders = PythonPeer.start(dirs.socket(), String.join("\n",
                "stop = daemon + '.stop'",
                "socks = [sock(b'\\0serving-%d-%d' % (os.getpid(), i)) for i in range(" + CLIENTS + ")]",
                "for i, s in enumerate(socks):",
                "    s.settimeout(30)",
                "    print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0], flush=True)",
                "    print(ask(s, b'GET_SHM_PATH:kept_%d' % i)[0], flush=True)",
                "ok = bad = 0",
                "print('renewing', flush=True)",
                "while not os.path.exists(stop):",
                "    for s in socks:",
                "        r = ask(s, b'RENEW')[0]",
                "        if r.startswith('OK lease_ms='): ok += 1",
                "        else:",
                "            bad += 1",
                "            if bad == 1: print('refused', r, flush=True)",
                "    time.sleep(" + TTL_MS / 3 / 1000.0 + ")",
                "print('ok', ok, 'bad', bad, flush=True)")))
            {
                final List<Path> regions = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++)
                {
                    assertEquals("OK lease_ms=" + TTL_MS, holders.readLine(60));
                    regions.add(Path.of(holders.readLine(30)));
                }
                assertEquals("renewing", holders.readLine(30));
                // The successor: asks for the socket (the old daemon pauses and passes it), then hangs for longer
                // than the lease, and goes without confirming.
                final Path control = dirs.shmDir().resolve(".zerocpd").resolve(HandoverServer.FILE_NAME);
                final String hung = PythonPeer.run(control, String.join("\n",
                    "c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                    "c.connect(daemon); c.sendall(b'HANDOVER\\n')",
                    "msg, fds, flags, addr = socket.recv_fds(c, 64, 4)",
                    "print(msg.decode().strip(), len(fds), flush=True)",
                    "time.sleep(" + STALL_MS / 1000.0 + ")",
                    "os._exit(0)"));
                assertEquals("READY 1", hung.strip());
                old.awaitPrinted("serving " + dirs.socket() + " again");
                Thread.sleep(2 * TTL_MS); // a lease and more of serving after the take-back
                for (final Path region : regions)
                {
                    assertTrue(Files.exists(region), region + " was reaped\n--- daemon:\n" + old.output());
                }
                Files.createFile(Path.of(dirs.socket() + ".stop"));
                final String result = holders.awaitExit(60);
                assertTrue(result.strip().lines().reduce((a, b) -> b).orElse("").matches("ok \\d+ bad 0"),
                    result + "\n--- daemon:\n" + old.output());
            }
            old.process().destroy();
            assertEquals(0, old.waitFor(30, TimeUnit.SECONDS), old.output());
        }
    }

    private static void sleepMs(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
