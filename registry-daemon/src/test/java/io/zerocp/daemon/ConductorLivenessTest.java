package io.zerocp.daemon;

import com.github.benmanes.caffeine.cache.Scheduler;
import io.zerocp.daemon.testkit.RawClient;
import io.zerocp.daemon.testkit.TestDirs;
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
 * the lease timer and the process watcher are run by hand, and time is a counter. So each step of "a liveness event
 * arrives, the conductor decides" happens exactly when the test says.
 */
class ConductorLivenessTest
{
    private static final long TTL_MS = 10_000;
    private static final long LINGER_MS = 50;
    private static final long WHEEL_SPAN_MS = TimeUnit.NANOSECONDS.toMillis(1L << 30) + 1;
    private static final long CLIENT_PID = 4242;
    private static final long OTHER_PID = 4343;

    private final TestDirs dirs = new TestDirs();
    private final AtomicLong nowNs = new AtomicLong(TimeUnit.DAYS.toNanos(1) + 31_337);
    private final Map<Long, Long> ticksByPid = new ConcurrentHashMap<>();
    private final ProcessProbe probe = pid -> ticksByPid.getOrDefault(pid, ProcessProbe.DEAD);
    private final DaemonCounters counters = new DaemonCounters();
    private ProcessWatcher watcher;
    private LeaseTable leases;
    private Registry registry;
    private Transport transport;
    private Conductor conductor;
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
        final Conductor[] conductorRef = new Conductor[1];
        watcher = new ProcessWatcher(probe, 10, event -> conductorRef[0].post(event)); // scanned by hand
        leases = new LeaseTable(TTL_MS, nowNs::get, Scheduler.disabledScheduler(),
            event -> conductorRef[0].post(event));
        registry = new Registry(config, new RegionFiles(), leases, watcher, counters, () -> 0L, nowNs::get,
            RegistryJournal.NONE);
        registry.createStaticRegions();
        transport = Transports.bind(config.transport, config.socketPath, config.socketMode);
        final RequestHandler handler = new RequestHandler(config, registry, new AccessPolicy(config.tokens),
            new AuthThrottle(nowNs::get, 5, 50, 10_000), probe, counters, new AdminRequests(registry, counters, () -> 0L),
            new RegionDescriptors());
        conductor = new Conductor(transport, handler, registry, counters, nowNs::get, () -> {});
        conductorRef[0] = conductor;
        client = new RawClient(dirs.socket());
    }

    @AfterEach
    void stop()
    {
        client.close();
        transport.close();
        watcher.close();
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

    /** Lets the lease timer fire whatever is due, and the conductor act on it. */
    private void runTimers() throws Exception
    {
        leases.cleanUp();
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
    void expiryOfASessionHeardFromMeanwhileReArmsItAndSilenceThenEndsIt() throws Exception
    {
        final Session session = registerWithRegion("renewed");

        advanceMs(TTL_MS / 2);
        assertEquals("PONG", ask("PING"));
        advanceMs(TTL_MS / 2 + WHEEL_SPAN_MS); // past the first deadline: the timer has fired
        runTimers();
        assertFalse(session.ended);
        assertEquals(0, counters.sessionsEnded(EndCause.LEASE_EXPIRY));
        assertTrue(Files.exists(regionFile("renewed")));

        // Silent from the PING on: the re-armed timer ends the session, and the region lingers, then goes.
        advanceMs(TTL_MS);
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
        conductor.post(new LivenessEvent(old, EndCause.LEASE_EXPIRY));
        conductor.post(new LivenessEvent(old, EndCause.PROCESS_EXIT));
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
