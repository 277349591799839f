package io.zerocp.daemon;

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
 * The lease timer on a hand-driven clock, run the way the conductor runs it: {@link LeaseTable#expireDue} once per
 * "duty cycle", nothing on any other thread. A lease ends no earlier than its TTL after the last request and no later
 * than {@link #SLACK_MS} after it (two of Caffeine's buckets at the table's tick rate), wherever the clock starts.
 */
class LeaseTableTest
{
    private static final long TTL_MS = 10_000;
    private static final long BUCKET_MS = TimeUnit.NANOSECONDS.toMillis((1L << 30) >> LeaseTable.TICK_SHIFT) + 1;
    private static final long SLACK_MS = 2 * BUCKET_MS;

    // Starts far from zero and off any bucket boundary, as System.nanoTime() would.
    private final AtomicLong nowNs = new AtomicLong(TimeUnit.DAYS.toNanos(3) + 123_456_789L);
    private final LeaseTable leases = new LeaseTable(TTL_MS, nowNs::get);
    private final List<Session> ended = new ArrayList<>();
    private long elapsedMs;

    private void advanceMs(final long ms)
    {
        nowNs.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
        elapsedMs += ms;
    }

    /** One duty cycle's timer step; the "conductor" ends what expired. */
    private int cycle()
    {
        return leases.expireDue(session ->
        {
            ended.add(session);
            leases.remove(session);
        });
    }

    /** Steps the clock a millisecond at a time, one duty cycle each, until a session ends. @return elapsed ms. */
    private long advanceUntilEnded(final long maxMs)
    {
        final int before = ended.size();
        for (long i = 0; i < maxMs; i++)
        {
            advanceMs(1);
            cycle();
            if (ended.size() > before)
            {
                return elapsedMs;
            }
        }
        return -1;
    }

    @Test
    void silentSessionEndsAfterItsTtlWithinTheSlack()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);

        advanceMs(TTL_MS - 1);
        cycle();
        assertTrue(ended.isEmpty(), ended::toString);
        assertFalse(leases.isExpired(session));
        assertEquals(1, leases.remainingMs(session));

        final long endedAtMs = advanceUntilEnded(2 * SLACK_MS);
        assertTrue(endedAtMs >= TTL_MS && endedAtMs <= TTL_MS + SLACK_MS, "ended at " + endedAtMs);
        assertEquals(List.of(session), ended);
        assertTrue(session.ended);
        assertNull(leases.find(session.address));
        assertEquals(0, leases.size());
    }

    @Test
    void anExpiryIsReportedOnce()
    {
        leases.start(ClientAddress.ofAbstract("a"), 1);
        advanceMs(TTL_MS + SLACK_MS);
        assertEquals(1, cycle());
        advanceMs(3 * TTL_MS);
        assertEquals(0, cycle());
        assertEquals(1, ended.size(), ended::toString);
    }

    @Test
    void touchedSessionLivesOnAndEndsATtlAfterItsLastRequest()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);

        advanceMs(6_000);
        leases.touch(session);
        // The first deadline passes: the entry fires, and is armed again for the rest of the lease, in the cycle.
        advanceMs(TTL_MS - 6_000 + SLACK_MS);
        assertEquals(0, cycle());
        assertFalse(session.ended);
        assertSame(session, leases.find(session.address));

        final long endedAtMs = advanceUntilEnded(2 * TTL_MS);
        assertTrue(endedAtMs >= 6_000 + TTL_MS && endedAtMs <= 6_000 + TTL_MS + SLACK_MS, "ended at " + endedAtMs);
        assertTrue(session.ended);
        assertNull(leases.find(session.address));
    }

    @Test
    void sessionTouchedEveryQuarterTtlSurvivesManyTtls()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);
        for (int i = 0; i < 40; i++) // ten TTLs
        {
            for (int ms = 0; ms < TTL_MS / 4; ms += 10)
            {
                advanceMs(10);
                assertEquals(0, cycle(), "ended after " + elapsedMs + " ms");
            }
            leases.touch(session);
        }
        assertFalse(session.ended);
        assertSame(session, leases.find(session.address));

        final long silentFromMs = elapsedMs;
        final long endedAtMs = advanceUntilEnded(TTL_MS + 2 * SLACK_MS);
        assertTrue(endedAtMs - silentFromMs >= TTL_MS && endedAtMs - silentFromMs <= TTL_MS + SLACK_MS,
            "ended " + (endedAtMs - silentFromMs) + " ms after the last touch");
    }

    @Test
    void nextExpiryIsKnownSoTheConductorNeedNotPoll()
    {
        assertEquals(Long.MAX_VALUE, leases.nanosToNextExpiry(), "nothing armed");
        leases.start(ClientAddress.ofAbstract("a"), 1);
        cycle();
        final long untilNs = leases.nanosToNextExpiry();
        assertTrue(untilNs <= TimeUnit.MILLISECONDS.toNanos(TTL_MS + SLACK_MS), "next check in " + untilNs + " ns");
        // Caffeine may ask to be woken before the deadline, to move the entry into a finer bucket of its wheel.
        assertTrue(untilNs > 0, "next check in " + untilNs + " ns");

        // Waking exactly when it says, again and again, ends the lease within the slack.
        int wakeUps = 0;
        while (ended.isEmpty() && wakeUps < 100)
        {
            nowNs.addAndGet(Math.max(1, leases.nanosToNextExpiry()));
            cycle();
            wakeUps++;
        }
        assertEquals(1, ended.size(), "after " + wakeUps + " wake-ups");
        assertTrue(wakeUps <= 5, wakeUps + " wake-ups for one lease");
        assertEquals(Long.MAX_VALUE, leases.nanosToNextExpiry(), "nothing armed any more");
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

        assertEquals(-1, advanceUntilEnded(TTL_MS + 2 * SLACK_MS), ended::toString);
    }

    @Test
    void removeOfAnExpiredButNotYetEvictedSessionReportsNothing()
    {
        final Session session = leases.start(ClientAddress.ofAbstract("a"), 1);
        advanceMs(2 * TTL_MS); // past the deadline, but no cycle has run the timer
        leases.remove(session);
        assertEquals(0, cycle());
        assertTrue(ended.isEmpty(), ended::toString);
    }

    @Test
    void sessionsExpireIndependently()
    {
        final Session first = leases.start(ClientAddress.ofAbstract("a"), 1);
        advanceMs(5_000);
        final Session second = leases.start(ClientAddress.ofAbstract("b"), 1);
        assertNotEquals(first.id, second.id);
        assertEquals(2, leases.size());

        final long firstMs = advanceUntilEnded(TTL_MS);
        assertTrue(firstMs >= TTL_MS && firstMs <= TTL_MS + SLACK_MS, "ended at " + firstMs);
        assertEquals(List.of(first), ended);
        assertSame(second, leases.find(second.address));

        final long secondMs = advanceUntilEnded(TTL_MS);
        assertTrue(secondMs >= 5_000 + TTL_MS && secondMs <= 5_000 + TTL_MS + SLACK_MS, "ended at " + secondMs);
        assertEquals(List.of(first, second), ended);
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
        assertTrue(advanceUntilEnded(TTL_MS + SLACK_MS) > 0);
        assertEquals(List.of(fresh), ended);
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
        assertEquals(0, cycle());
        assertTrue(advanceUntilEnded(SLACK_MS + 1) > 0);
        cycle();
        assertTrue(ended.contains(restored), ended::toString);
    }

    @Test
    void aTtlTooLongForNanosecondsNeverExpiresInsteadOfAtOnce()
    {
        // lease-ttl-ms has no upper bound in the config; "forever" must not overflow into "already expired".
        final LeaseTable forever = new LeaseTable(Long.MAX_VALUE, nowNs::get);
        final Session session = forever.start(ClientAddress.ofAbstract("a"), 1);
        assertEquals(0, forever.expireDue(ended::add));
        advanceMs(TimeUnit.DAYS.toMillis(365));
        assertEquals(0, forever.expireDue(ended::add));

        assertTrue(ended.isEmpty(), ended::toString);
        assertFalse(forever.isExpired(session));
        assertTrue(forever.remainingMs(session) > TimeUnit.DAYS.toMillis(365 * 100L));
    }
}
