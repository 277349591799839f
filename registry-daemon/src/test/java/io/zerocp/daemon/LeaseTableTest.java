package io.zerocp.daemon;

import com.github.benmanes.caffeine.cache.Scheduler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease timer on a hand-driven clock: nothing fires unless the test advances time and calls {@code cleanUp()}.
 * <p>
 * Caffeine's timer wheel works in buckets of 2^30 ns, so an entry is evicted on the first clean-up after its deadline
 * that crosses a bucket boundary: up to {@link #WHEEL_SPAN_MS} late, never early. The tests pin that window and use
 * a TTL well above it, so that what the conductor sees when the event arrives does not depend on where the clock's
 * origin falls in a bucket.
 */
class LeaseTableTest
{
    private static final long TTL_MS = 10_000;
    private static final long WHEEL_SPAN_MS = TimeUnit.NANOSECONDS.toMillis(1L << 30) + 1;

    // Starts far from zero and off any bucket boundary, as System.nanoTime() would.
    private final AtomicLong nowNs = new AtomicLong(TimeUnit.DAYS.toNanos(3) + 123_456_789L);
    private final List<LivenessEvent> events = new ArrayList<>();
    private final LeaseTable leases = new LeaseTable(TTL_MS, nowNs::get, Scheduler.disabledScheduler(), events::add);
    private long elapsedMs;

    private void advanceMs(final long ms)
    {
        nowNs.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
        elapsedMs += ms;
    }

    /** Steps the clock a millisecond at a time, running the timer each step, until an event arrives. */
    private long advanceUntilEvent(final long maxMs)
    {
        for (long i = 0; i < maxMs; i++)
        {
            advanceMs(1);
            leases.cleanUp();
            if (!events.isEmpty())
            {
                return elapsedMs;
            }
        }
        return -1;
    }

    /** What the conductor does with each event: re-arm the renewed, end the rest. */
    private List<Session> conductorPass()
    {
        final List<Session> ended = new ArrayList<>();
        final List<LivenessEvent> pending = new ArrayList<>(events);
        events.clear();
        for (final LivenessEvent event : pending)
        {
            assertEquals(EndCause.LEASE_EXPIRY, event.cause());
            final Session session = event.session();
            if (session.ended)
            {
                continue;
            }
            if (leases.isExpired(session))
            {
                leases.remove(session);
                ended.add(session);
            }
            else
            {
                leases.rearm(session);
            }
        }
        return ended;
    }

    @Test
    void silentSessionExpiresAfterTheTtlWithinOneWheelSpan()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);

        advanceMs(TTL_MS - 1);
        leases.cleanUp();
        assertTrue(events.isEmpty(), events::toString);
        assertFalse(leases.isExpired(session));
        assertEquals(1, leases.remainingMs(session));

        final long firedAtMs = advanceUntilEvent(2 * WHEEL_SPAN_MS);
        assertTrue(firedAtMs >= TTL_MS && firedAtMs <= TTL_MS + WHEEL_SPAN_MS, "fired at " + firedAtMs);
        assertEquals(1, events.size(), events::toString);
        assertSame(session, events.get(0).session());
        assertEquals(EndCause.LEASE_EXPIRY, events.get(0).cause());
        assertTrue(leases.isExpired(session));
        assertEquals(List.of(session), conductorPass());
        assertNull(leases.find(session.address));
        assertEquals(0, leases.size());
    }

    @Test
    void expiryEventFiresOnce()
    {
        leases.start(ClientAddress.ofAbstract("a"), 1);
        advanceMs(TTL_MS + WHEEL_SPAN_MS);
        leases.cleanUp();
        advanceMs(3 * TTL_MS);
        leases.cleanUp();
        assertEquals(1, events.size(), events::toString);
    }

    @Test
    void touchedSessionIsNotExpiredAndIsReArmedFromItsLastRequest()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);

        advanceMs(6_000);
        leases.touch(session);
        // The timer still fires for the first deadline: a touch costs no timer update.
        final long firstMs = advanceUntilEvent(TTL_MS);
        assertTrue(firstMs >= TTL_MS && firstMs <= TTL_MS + WHEEL_SPAN_MS, "fired at " + firstMs);
        assertFalse(leases.isExpired(session));
        assertTrue(conductorPass().isEmpty());
        assertFalse(session.ended);
        assertSame(session, leases.find(session.address));

        // Re-armed from the touch: nothing until a whole TTL after it, then the end.
        final long secondMs = advanceUntilEvent(2 * TTL_MS);
        assertTrue(secondMs >= 6_000 + TTL_MS && secondMs <= 6_000 + TTL_MS + WHEEL_SPAN_MS,
            "fired at " + secondMs);
        assertTrue(leases.isExpired(session));
        assertEquals(List.of(session), conductorPass());
        assertTrue(session.ended);
        assertNull(leases.find(session.address));
    }

    @Test
    void sessionTouchedEveryQuarterTtlSurvivesManyTtls()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);
        int rearms = 0;
        for (int i = 0; i < 40; i++) // ten TTLs
        {
            for (int ms = 0; ms < TTL_MS / 4; ms += 10)
            {
                advanceMs(10);
                leases.cleanUp();
                rearms += events.size();
                assertTrue(conductorPass().isEmpty(), "ended after " + elapsedMs + " ms");
            }
            leases.touch(session);
        }
        assertFalse(session.ended);
        assertSame(session, leases.find(session.address));
        assertTrue(rearms >= 9, "the timer fired " + rearms + " times in ten TTLs"); // it really was re-armed

        // Silent from now on: the pending timer may still be one armed before the last touch, so allow one re-arm.
        final long silentFromMs = elapsedMs;
        List<Session> ended = List.of();
        for (int i = 0; i < 2 && ended.isEmpty(); i++)
        {
            assertTrue(advanceUntilEvent(TTL_MS + WHEEL_SPAN_MS) > 0);
            ended = conductorPass();
        }
        assertEquals(List.of(session), ended);
        assertTrue(elapsedMs - silentFromMs >= TTL_MS, "ended " + (elapsedMs - silentFromMs) + " ms after");
    }

    @Test
    void remainingTimeCountsDownAndResetsOnTouch()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);
        assertEquals(TTL_MS, leases.remainingMs(session));
        advanceMs(300);
        assertEquals(TTL_MS - 300, leases.remainingMs(session));
        leases.touch(session);
        assertEquals(TTL_MS, leases.remainingMs(session));
        advanceMs(5 * TTL_MS);
        assertEquals(0, leases.remainingMs(session));
        assertEquals(TTL_MS, leases.ttlMs());
    }

    @Test
    void removeCancelsTheTimer()
    {
        final ClientAddress address = ClientAddress.ofPath("/tmp/x.sock");
        final Session session = leases.start(address, 1);
        advanceMs(TTL_MS / 2);
        leases.remove(session);
        assertTrue(session.ended);
        assertNull(leases.find(address));
        assertEquals(0, leases.size());

        assertEquals(-1, advanceUntilEvent(TTL_MS + 2 * WHEEL_SPAN_MS), events::toString);
    }

    @Test
    void removeOfAnExpiredButNotYetEvictedSessionLeavesNoLiveEvent()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);
        advanceMs(2 * TTL_MS); // past the deadline, but nobody has run the timer
        leases.remove(session);
        leases.cleanUp();
        // Caffeine may report the removal of an expired entry as an expiry; the session is then already ended,
        // which the conductor checks first.
        for (final LivenessEvent event : events)
        {
            assertTrue(event.session().ended);
        }
        assertTrue(conductorPass().isEmpty());
    }

    @Test
    void rearmAfterRemoveDoesNothing()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);
        leases.remove(session);
        leases.rearm(session);
        assertEquals(-1, advanceUntilEvent(TTL_MS + 2 * WHEEL_SPAN_MS), events::toString);
    }

    @Test
    void sessionsExpireIndependently()
    {
        final Session first = leases.start(ClientAddress.ofAbstract("a"), 1);
        advanceMs(5_000);
        final Session second = leases.start(ClientAddress.ofAbstract("b"), 1);
        assertNotEquals(first.id, second.id);
        assertEquals(2, leases.size());

        final long firstMs = advanceUntilEvent(TTL_MS);
        assertTrue(firstMs >= TTL_MS && firstMs <= TTL_MS + WHEEL_SPAN_MS, "fired at " + firstMs);
        assertEquals(List.of(first), conductorPass());
        assertSame(second, leases.find(second.address));

        final long secondMs = advanceUntilEvent(TTL_MS);
        assertTrue(secondMs >= 5_000 + TTL_MS && secondMs <= 5_000 + TTL_MS + WHEEL_SPAN_MS,
            "fired at " + secondMs);
        assertEquals(List.of(second), conductorPass());
        assertEquals(0, leases.size());
    }

    @Test
    void removingAnOldSessionKeepsTheNewOneAtTheSameAddress()
    {
        final ClientAddress address = ClientAddress.ofAbstract("a");
        final Session old = leases.start(address, 1);
        leases.remove(old);
        final Session fresh = leases.start(address, 2);
        leases.remove(old); // a second, late removal of the old one
        assertSame(fresh, leases.find(address));
        assertTrue(advanceUntilEvent(TTL_MS + WHEEL_SPAN_MS) > 0);
        assertEquals(List.of(fresh), conductorPass());
    }

    @Test
    void restoredSessionGetsAFullTtlAndIdsStayUnique()
    {
        advanceMs(12_345);
        final Session restored = leases.restore(ClientAddress.ofAbstract("r"), 41, 7);
        assertEquals(41, restored.id);
        assertEquals(7, restored.startedEpochMs);
        assertEquals(TTL_MS, leases.remainingMs(restored));
        final Session next = leases.start(ClientAddress.ofAbstract("n"), 8);
        assertTrue(next.id > 41, "id " + next.id);

        advanceMs(TTL_MS - 1);
        leases.cleanUp();
        assertTrue(events.isEmpty(), events::toString);
        assertTrue(advanceUntilEvent(WHEEL_SPAN_MS + 1) > 0);
        leases.cleanUp();
        final List<Session> ended = conductorPass();
        assertTrue(ended.contains(restored), ended::toString);
    }
    @Test
    void aTtlTooLongForNanosecondsNeverExpiresInsteadOfAtOnce()
    {
        // lease-ttl-ms has no upper bound in the config; "forever" must not overflow into "already expired".
        final LeaseTable forever =
            new LeaseTable(Long.MAX_VALUE, nowNs::get, Scheduler.disabledScheduler(), events::add);
        final Session session = forever.start(ClientAddress.ofAbstract("a"), 1);
        forever.cleanUp();
        advanceMs(TimeUnit.DAYS.toMillis(365));
        forever.cleanUp();

        assertTrue(events.isEmpty(), events::toString);
        assertFalse(forever.isExpired(session));
        assertTrue(forever.remainingMs(session) > TimeUnit.DAYS.toMillis(365 * 100L));
    }
}
