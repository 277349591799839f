package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real conductor, request handler and registry on one thread, the test's: requests arrive over a real socket,
 * the process watcher is run by hand, the lease timer runs in the conductor's duty cycle, and time is a counter. So
 * each step of "a deadline passes or a liveness event arrives, the conductor decides" happens exactly when the test
 * says, with no sleeps.
 */
class ConductorLivenessTest
{
    private static final long TTL_MS = 10_000;
    private static final long LINGER_MS = 50;
    /** How late a lease may end: two of the timer's buckets (see LeaseTable), rounded up. */
    private static final long EXPIRY_SLACK_MS = 2 * (TimeUnit.NANOSECONDS.toMillis((1L << 30) >> LeaseTable.TICK_SHIFT) + 1);
    private static final long CLIENT_PID = 4242;
    private static final long OTHER_PID = 4343;

    private final TestDirs dirs = new TestDirs();
    private final AtomicLong nowNs = new AtomicLong(TimeUnit.DAYS.toNanos(1) + 31_337);
    private final Map<Long, Long> ticksByPid = new ConcurrentHashMap<>();
    private final ProcessProbe probe = pid -> ticksByPid.getOrDefault(pid, ProcessProbe.DEAD);
    private DaemonCounters counters;
    private DaemonCore core;
    private ProcessWatcher watcher;
    private LeaseTable leases;
    private Registry registry;
    private Transport transport;
    private Conductor conductor;
    private ConductorInbox inbox;
    private RawClient client;

    @BeforeEach
    void start() throws Exception
    {
        ticksByPid.put(CLIENT_PID, 77L);
        ticksByPid.put(OTHER_PID, 88L);
        final DaemonConfig config = DaemonConfig.builder()
            .socketPath(dirs.socket())
            .shmDir(dirs.shmDir())
            .leaseTtlMs(TTL_MS)
            .lingerMs(LINGER_MS)
            .transport(TransportKind.JUNIXSOCKET) // the probe's fake pids are claims: address-only identity
            .build();
        final DaemonContext context = new DaemonContext(config).nanoClock(nowNs::get).epochClock(() -> 0L)
            .processProbe(probe).conclude();
        Files.createDirectories(config.stateDir);
        core = DaemonCore.open(context);
        counters = context.counters();
        watcher = core.watcher; // never started: scanned by hand
        registry = core.registry;
        leases = registry.leases();
        transport = Transports.bind(config.transport, config.socketPath, config.socketMode);
        conductor = new Conductor(core, transport, () -> {});
        inbox = context.inbox();
        client = new RawClient(dirs.socket());
    }

    @AfterEach
    void stop()
    {
        client.close();
        transport.close();
        core.close();
        dirs.close();
    }

    private String ask(final String request) throws Exception
    {
        client.send(request);
        conductor.doWork();
        return client.receive();
    }

    private void advanceMs(final long ms)
    {
        nowNs.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /** One duty cycle with no request: the lease timer and the reaper run. */
    private void runTimers() throws Exception
    {
        conductor.doWork();
    }

    private Path regionFile(final String name)
    {
        return dirs.shmDir().resolve(name + "_shm");
    }

    private Session registerWithRegion(final String name) throws Exception
    {
        assertEquals("OK lease_ms=" + TTL_MS, ask("REGISTER:process_id=" + CLIENT_PID));
        assertEquals(regionFile(name).toString(), ask("GET_SHM_PATH:" + name));
        assertEquals(1, leases.size());
        return leases.sessions().iterator().next();
    }

    @Test
    void aSessionHeardFromMeanwhileLivesOnAndSilenceEndsItWithinTheTimersSlackOfItsTtl() throws Exception
    {
        final Session session = registerWithRegion("renewed");

        advanceMs(TTL_MS / 2);
        assertEquals("PONG", ask("PING"));
        final long lastHeard = nowNs.get();
        advanceMs(TTL_MS / 2 + EXPIRY_SLACK_MS); // past the first deadline: the timer fired and armed it again
        runTimers();
        assertFalse(session.ended);
        assertEquals(0, counters.sessionsEnded(EndCause.LEASE_EXPIRY));
        assertTrue(Files.exists(regionFile("renewed")));

        // Silent from the PING on: just before its TTL it lives; within the slack after it, it has ended.
        nowNs.set(lastHeard + TimeUnit.MILLISECONDS.toNanos(TTL_MS - 1));
        runTimers();
        assertFalse(session.ended, "ended before its TTL");
        nowNs.set(lastHeard + TimeUnit.MILLISECONDS.toNanos(TTL_MS + EXPIRY_SLACK_MS));
        runTimers();
        assertTrue(session.ended);
        assertEquals(1, counters.sessionsEnded(EndCause.LEASE_EXPIRY));
        assertTrue(Files.exists(regionFile("renewed")));
        advanceMs(LINGER_MS);
        conductor.doWork();
        assertFalse(Files.exists(regionFile("renewed")));
        assertEquals("ERROR: Not registered", ask("RENEW"));
    }

    @Test
    void idleWaitIsBoundedByTheNextLeaseDeadline() throws Exception
    {
        final Session session = registerWithRegion("deadline");
        conductor.doWork();
        final long started = nowNs.get();
        // Step the clock by what the conductor would wait each time it finds nothing to do, as its loop would.
        int cycles = 0;
        while (!session.ended && cycles < 10_000)
        {
            final long idleMs = conductor.idleMs();
            assertTrue(idleMs >= 1 && idleMs <= 100, "idle wait " + idleMs);
            advanceMs(idleMs);
            conductor.doWork();
            cycles++;
        }
        final long endedAfterMs = TimeUnit.NANOSECONDS.toMillis(nowNs.get() - started);
        assertTrue(session.ended, "still alive after " + cycles + " cycles");
        assertTrue(endedAfterMs >= TTL_MS && endedAfterMs <= TTL_MS + EXPIRY_SLACK_MS + 1,
            "ended " + endedAfterMs + " ms after its last request (TTL " + TTL_MS + " ms)");
    }

    @Test
    void processExitEndsEvenASessionThatJustSpoke() throws Exception
    {
        final Session session = registerWithRegion("orphaned");
        assertEquals("PONG", ask("PING"));

        ticksByPid.remove(CLIENT_PID);
        assertEquals(1, watcher.scan());
        conductor.doWork();

        assertTrue(session.ended);
        assertEquals(1, counters.sessionsEnded(EndCause.PROCESS_EXIT));
        advanceMs(LINGER_MS);
        conductor.doWork();
        assertFalse(Files.exists(regionFile("orphaned")));
    }

    @Test
    void lateEventsForAnEndedSessionDoNotTouchItsSuccessorAtTheSameAddress() throws Exception
    {
        final Session old = registerWithRegion("first");
        assertEquals("OK", ask("RELEASE"));
        assertTrue(old.ended);

        // The same address registers again and takes a region: a new session.
        final Session fresh = registerWithRegion("second");
        assertNotSame(old, fresh);

        // Events raised about the old session before it ended arrive only now.
        inbox.post(new LivenessEvent(old, EndCause.PROCESS_EXIT));
        conductor.doWork();

        assertFalse(fresh.ended);
        assertSame(fresh, leases.find(fresh.address));
        assertEquals(1, counters.sessionsEnded(EndCause.RELEASE));
        assertEquals(0, counters.sessionsEnded(EndCause.LEASE_EXPIRY));
        assertEquals(0, counters.sessionsEnded(EndCause.PROCESS_EXIT));
        assertEquals("OK lease_ms=" + TTL_MS, ask("RENEW"));
        advanceMs(10 * LINGER_MS);
        conductor.doWork();
        assertTrue(Files.exists(regionFile("second")));
    }

    @Test
    void registerWithAnotherPidReplacesTheSessionAndTheOldPidsDeathIsIgnored() throws Exception
    {
        final Session old = registerWithRegion("held");
        assertEquals(1, watcher.watchedCount());

        assertEquals("OK lease_ms=" + TTL_MS, ask("REGISTER:process_id=" + OTHER_PID));
        assertTrue(old.ended);
        assertEquals(1, counters.sessionsEnded(EndCause.REPLACED));
        final Session fresh = leases.find(old.address);
        assertNotSame(old, fresh);
        assertEquals(OTHER_PID, fresh.processId);
        assertEquals(1, watcher.watchedCount()); // only the new pid

        ticksByPid.remove(CLIENT_PID);
        assertEquals(0, watcher.scan());
        conductor.doWork();
        assertFalse(fresh.ended);
        assertEquals("OK lease_ms=" + TTL_MS, ask("RENEW"));

        // The old session's hold went with it.
        advanceMs(LINGER_MS);
        conductor.doWork();
        assertFalse(Files.exists(regionFile("held")));
    }

    @Test
    void registerAgainWithTheSamePidKeepsTheSessionAndItsHolds() throws Exception
    {
        final Session session = registerWithRegion("kept");
        assertEquals("OK lease_ms=" + TTL_MS, ask("REGISTER:process_id=" + CLIENT_PID));
        assertSame(session, leases.find(session.address));
        assertFalse(session.ended);
        assertEquals(1, session.holds.size());
        assertEquals(1, counters.sessionsStarted());
    }
}
