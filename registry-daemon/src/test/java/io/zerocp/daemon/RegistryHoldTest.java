package io.zerocp.daemon;

import io.zerocp.api.Protocol;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Holds, linger and reaping on a real {@link Registry} over a real shm directory, with hand-driven clocks: a region
 * file goes exactly when the rules say and never otherwise.
 */
class RegistryHoldTest
{
    private static final long LINGER_MS = 50;
    private static final long SIZE = 4096;
    private static final long LIVE_PID = 4242;

    private final TestDirs dirs = new TestDirs();
    private final AtomicLong nowNs = new AtomicLong(TimeUnit.DAYS.toNanos(2) + 777);
    private final AtomicLong epochMs = new AtomicLong(1_700_000_000_000L);
    private final List<LivenessEvent> events = new ArrayList<>();
    private final ProcessProbe probe = pid -> pid == LIVE_PID ? 99 : ProcessProbe.DEAD;
    private final ProcessWatcher watcher = new ProcessWatcher(probe, 10, events::add); // never started: no thread
    private DaemonCounters counters;
    private Registry registry;

    private Registry registry(final long lingerMs)
    {
        final DaemonConfig config = DaemonConfig.builder()
            .socketPath(dirs.socket())
            .shmDir(dirs.shmDir())
            .lingerMs(lingerMs)
            .staticRegion("fixed", SIZE)
            .build();
        try
        {
            final DaemonContext context = new DaemonContext(config).nanoClock(nowNs::get).epochClock(epochMs::get)
                .processProbe(probe).conclude();
            counters = context.counters();
            registry = new Registry(context, new LeaseTable(config.leaseTtlMs, nowNs::get), watcher,
                RegistryJournal.NONE);
            registry.createStaticRegions();
        }
        catch (final ConfigException | RegionException ex)
        {
            throw new IllegalStateException(ex);
        }
        return registry;
    }

    @AfterEach
    void removeDirs()
    {
        watcher.close();
        dirs.close();
    }

    private void advanceMs(final long ms)
    {
        nowNs.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private int reapDue()
    {
        return registry.reapDue(nowNs.get());
    }

    private Region create(final String name) throws RegionException
    {
        final Region region = registry.create(name, SIZE);
        assertTrue(Files.exists(region.path));
        return region;
    }

    private Session session(final String name)
    {
        return registry.startSession(ClientAddress.ofAbstract(name));
    }

    @Test
    void aRepeatedHoldIsOneHold() throws Exception
    {
        registry(LINGER_MS);
        final Session session = session("a");
        final Region region = create("r");

        registry.hold(session, region);
        registry.hold(session, region);

        assertEquals(1, region.holders);
        assertEquals(1, session.holds.size());
        assertEquals(SIZE, session.bytesHeld);

        // One release undoes both, because they were one.
        assertTrue(registry.release(session, region));
        assertEquals(0, region.holders);
        assertEquals(0, session.bytesHeld);
        assertFalse(registry.release(session, region));
        assertEquals(0, region.holders);
    }

    @Test
    void holdsAreCountedPerSession() throws Exception
    {
        registry(LINGER_MS);
        final Region region = create("r");
        final Session a = session("a");
        final Session b = session("b");
        registry.hold(a, region);
        registry.hold(b, region);
        assertEquals(2, region.holders);
        assertTrue(region.hadHolds);
    }

    @Test
    void lastReleaseLingersThenReapsAtTheDeadline() throws Exception
    {
        registry(LINGER_MS);
        final Session session = session("a");
        final Region region = create("r");
        registry.hold(session, region);
        assertEquals(Long.MAX_VALUE, registry.nanosToNextReap(nowNs.get()));

        registry.release(session, region);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(LINGER_MS), registry.nanosToNextReap(nowNs.get()));
        assertEquals(0, reapDue());
        assertTrue(Files.exists(region.path));

        advanceMs(LINGER_MS - 1);
        assertEquals(0, reapDue());
        assertTrue(Files.exists(region.path));
        assertSame(region, registry.find("r"));

        advanceMs(1);
        assertEquals(1, reapDue());
        assertFalse(Files.exists(region.path));
        assertNull(registry.find("r"));
        assertTrue(region.removed);
        assertEquals(Long.MAX_VALUE, registry.nanosToNextReap(nowNs.get()));
        assertEquals(0, reapDue());
    }

    @Test
    void lingerZeroReapsAtOnce() throws Exception
    {
        registry(0);
        final Session session = session("a");
        final Region region = create("r");
        registry.hold(session, region);
        registry.release(session, region);

        assertFalse(Files.exists(region.path));
        assertNull(registry.find("r"));
        assertEquals(Long.MAX_VALUE, registry.nanosToNextReap(nowNs.get()));
    }

    @Test
    void aNewHoldDuringTheLingerCancelsTheReap() throws Exception
    {
        registry(LINGER_MS);
        final Session a = session("a");
        final Session b = session("b");
        final Region region = create("r");
        registry.hold(a, region);
        registry.release(a, region);
        advanceMs(LINGER_MS / 2);

        registry.hold(b, region);
        assertEquals(Long.MAX_VALUE, registry.nanosToNextReap(nowNs.get()));
        advanceMs(10 * LINGER_MS);
        assertEquals(0, reapDue());
        assertTrue(Files.exists(region.path));
        assertSame(region, registry.find("r"));

        // The next last release starts a fresh linger, from its own time.
        registry.release(b, region);
        advanceMs(LINGER_MS - 1);
        assertEquals(0, reapDue());
        advanceMs(1);
        assertEquals(1, reapDue());
        assertFalse(Files.exists(region.path));
    }

    @Test
    void staticRegionsAreNeverReaped() throws Exception
    {
        registry(0);
        final Region fixed = registry.find("fixed");
        final Region byDefault = registry.find(Protocol.DEFAULT_REGION_NAME);
        assertTrue(fixed.isStatic && byDefault.isStatic);
        final Session session = session("a");
        registry.hold(session, fixed);
        registry.hold(session, byDefault);
        registry.release(session, fixed);
        registry.endSession(session, EndCause.PROCESS_EXIT);
        advanceMs(60_000);
        assertEquals(0, reapDue());

        assertTrue(Files.exists(fixed.path));
        assertTrue(Files.exists(byDefault.path));
        assertSame(fixed, registry.find("fixed"));
        assertEquals(0, fixed.holders);
    }

    @Test
    void aRegionCreatedWithoutHoldsIsNeverReaped() throws Exception
    {
        registry(0);
        final Region orphan = create("unregistered"); // as for a client that never sent REGISTER
        final Session other = session("a");
        final Region held = create("held");
        registry.hold(other, held);
        registry.endSession(other, EndCause.LEASE_EXPIRY);
        advanceMs(60_000);
        assertEquals(0, reapDue());

        assertFalse(Files.exists(held.path));
        assertTrue(Files.exists(orphan.path));
        assertSame(orphan, registry.find("unregistered"));
    }

    @Test
    void twoHoldersOneSessionEndsTheRegionStaysUntilTheOtherReleases() throws Exception
    {
        registry(LINGER_MS);
        final Session killed = session("killed");
        final Session survivor = session("survivor");
        final Region region = create("r");
        registry.hold(killed, region);
        registry.hold(survivor, region);

        registry.endSession(killed, EndCause.PROCESS_EXIT);
        advanceMs(10 * LINGER_MS);
        assertEquals(0, reapDue());
        assertTrue(Files.exists(region.path));
        assertEquals(1, region.holders);

        registry.release(survivor, region);
        advanceMs(LINGER_MS);
        assertEquals(1, reapDue());
        assertFalse(Files.exists(region.path));
    }

    @Test
    void endSessionTwiceIsSafe() throws Exception
    {
        registry(LINGER_MS);
        final Session session = session("a");
        final Session other = session("b");
        final Region region = create("r");
        registry.hold(session, region);
        registry.hold(other, region);
        registry.watchProcess(session, LIVE_PID, 99);
        assertEquals(1, watcher.watchedCount());

        registry.endSession(session, EndCause.PROCESS_EXIT);
        registry.endSession(session, EndCause.LEASE_EXPIRY);

        assertEquals(1, region.holders); // not decremented twice
        assertTrue(session.ended);
        assertEquals(0, watcher.watchedCount());
        assertNull(registry.leases().find(session.address));
        assertSame(other, registry.leases().find(other.address));
        assertEquals(1, registry.leases().size());
        advanceMs(10 * LINGER_MS);
        assertEquals(0, reapDue());
        assertTrue(Files.exists(region.path));
    }

    @Test
    void endSessionWhileOneOfItsRegionsLingersReapsEachOnce() throws Exception
    {
        registry(LINGER_MS);
        final Session session = session("a");
        final Region first = create("first");
        final Region second = create("second");
        registry.hold(session, first);
        registry.hold(session, second);

        registry.release(session, first); // lingering
        advanceMs(LINGER_MS / 2);
        registry.endSession(session, EndCause.RELEASE);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(LINGER_MS / 2), registry.nanosToNextReap(nowNs.get()));

        advanceMs(LINGER_MS / 2);
        assertEquals(1, reapDue());
        assertFalse(Files.exists(first.path));
        assertTrue(Files.exists(second.path));

        advanceMs(LINGER_MS / 2);
        assertEquals(1, reapDue());
        assertFalse(Files.exists(second.path));
        assertEquals(Long.MAX_VALUE, registry.nanosToNextReap(nowNs.get()));
        assertEquals(0, registry.regionCount() - 2); // the two static ones are left
    }

    @Test
    void aSessionEndedWhileItsRegionLingersDoesNotTouchTheLinger() throws Exception
    {
        registry(LINGER_MS);
        final Session a = session("a");
        final Session b = session("b");
        final Region region = create("r");
        registry.hold(a, region);
        registry.release(a, region); // lingering, deadline at +50
        advanceMs(40);
        registry.endSession(a, EndCause.LEASE_EXPIRY); // held nothing any more
        registry.endSession(b, EndCause.LEASE_EXPIRY); // never held it

        assertEquals(0, region.holders);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(10), registry.nanosToNextReap(nowNs.get()));
        advanceMs(10);
        assertEquals(1, reapDue());
        assertFalse(Files.exists(region.path));
    }

    @Test
    void reapedRegionNameCanBeCreatedAgain() throws Exception
    {
        registry(0);
        final Session session = session("a");
        final Region old = create("r");
        registry.hold(session, old);
        registry.release(session, old);
        final Path path = old.path;
        assertFalse(Files.exists(path));

        final Region fresh = create("r");
        assertSame(fresh, registry.find("r"));
        assertTrue(Files.exists(path));
        assertEquals(0, fresh.holders);
    }
}
