package io.zerocp.daemon;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sessions by client address, and the timer that ends those not heard from within the TTL. Conductor thread only:
 * nothing here runs on another thread.
 * <p>
 * The timer is a Caffeine cache used only for its expiry, driven by the conductor's duty cycle: a same-thread
 * executor, no scheduler thread, and {@link #expireDue} (which calls {@code cleanUp()}) once per cycle. An entry's
 * deadline is the session's last-seen time plus the TTL, computed when the entry is armed. Renewing a lease just
 * stores the time (no Caffeine call on the request path); when the entry falls due, {@link #expireDue} ends the
 * session if it really went a TTL unheard, or arms it again for the rest of its lease.
 * <p>
 * <b>Precision.</b> Caffeine's timer wheel files entries in buckets of 2^30 ticks and evicts a bucket when the
 * clock leaves it; at one tick per nanosecond that is up to 1.07 s late. The ticker given to Caffeine therefore
 * counts 64 ticks per nanosecond: a bucket is 16.8 ms, and a lease ends within about two of those
 * after its TTL (one bucket, plus Caffeine's pacing tolerance of one bucket), however the clock's origin falls. The
 * ticks count from this table's creation, so they last 2^57 ns (4.5 years of uptime) before they would wrap.
 * <p>
 * Caffeine tells its scheduler when it next has something due; {@link DutyCycleScheduler} only writes that down, so
 * the conductor can bound its idle wait by it ({@link #nanosToNextExpiry}).
 * <p>
 * <b>Serving time.</b> Every time here is read from a {@link ServingClock}: once the conductor serves, a stretch in
 * which it did not run (a handover pause, a stall, a stopped process) is no client's time, so no lease runs out
 * because of it (issue 25).
 */
final class LeaseTable
{
    /** Ticks per nanosecond as a shift: 64 ticks per ns makes Caffeine's smallest bucket (2^30 ticks) 16.8 ms. */
    static final int TICK_SHIFT = 6;
    /** Longest timer duration in ticks: a TTL beyond it (about 73 years) never fires. */
    private static final long MAX_TICKS = Long.MAX_VALUE >> 2;

    private final HashMap<ClientAddress, Session> sessions = new HashMap<>();
    private final ArrayList<Session> fired = new ArrayList<>();
    private final Cache<Session, Boolean> timer;
    private final ServingClock clock;
    private final DutyCycleScheduler scheduler;
    private final long originNs;
    private final long ttlNs;
    private long nextId = 1;

    /**
     * @param ttlMs lease length.
     * @param clock the monotonic clock, shared with the conductor (leases count only the serving part of it).
     */
    LeaseTable(final long ttlMs, final NanoClock clock)
    {
        this.ttlNs = TimeUnit.MILLISECONDS.toNanos(ttlMs);
        this.clock = new ServingClock(clock);
        this.originNs = clock.nanoTime();
        final Ticker ticker = this::ticks;
        this.scheduler = new DutyCycleScheduler(ticker);
        this.timer = Caffeine.newBuilder()
            .ticker(ticker)
            .scheduler(scheduler)
            .executor(Runnable::run)
            .expireAfter(new Expiry<Session, Boolean>()
            {
                @Override
                public long expireAfterCreate(final Session session, final Boolean value, final long nowTicks)
                {
                    return ticksUntilDeadline(session);
                }

                @Override
                public long expireAfterUpdate(
                    final Session session, final Boolean value, final long nowTicks, final long currentDuration)
                {
                    return ticksUntilDeadline(session);
                }

                @Override
                public long expireAfterRead(
                    final Session session, final Boolean value, final long nowTicks, final long currentDuration)
                {
                    return currentDuration;
                }
            })
            .<Session, Boolean>evictionListener((session, value, cause) ->
            {
                // Runs inside cleanUp() or a put, on the conductor thread: just note it, act after the cache is done.
                if (cause == RemovalCause.EXPIRED && null != session)
                {
                    fired.add(session);
                }
            })
            .build();
    }

    private long ticks()
    {
        return (clock.nanoTime() - originNs) << TICK_SHIFT;
    }

    private long ticksUntilDeadline(final Session session)
    {
        final long leftNs = session.lastSeenNs + ttlNs - clock.nanoTime();
        if (leftNs <= 0)
        {
            return 0;
        }
        return leftNs >= MAX_TICKS >> TICK_SHIFT ? MAX_TICKS : leftNs << TICK_SHIFT;
    }

    /**
     * The conductor's loop starts: from now on, time in which it does not run is not counted against any lease (see
     * {@link ServingClock}). Conductor thread.
     */
    void startServing()
    {
        clock.startServing();
    }

    /** @return time not counted against leases so far (the conductor was not serving), ns. */
    long notServingNs()
    {
        return clock.excludedNs();
    }

    long ttlMs()
    {
        return TimeUnit.NANOSECONDS.toMillis(ttlNs);
    }

    Session find(final ClientAddress address)
    {
        return sessions.get(address);
    }

    /** Starts a session for an address that has none. */
    Session start(final ClientAddress address, final long epochMs)
    {
        final Session session = new Session(address, nextId++, epochMs, clock.nanoTime());
        sessions.put(address, session);
        timer.put(session, Boolean.TRUE);
        return session;
    }

    /** Re-creates a session read back from the state journal, with a fresh full TTL. */
    Session restore(final ClientAddress address, final long id, final long startedEpochMs)
    {
        final Session session = new Session(address, id, startedEpochMs, clock.nanoTime());
        sessions.put(address, session);
        nextId = Math.max(nextId, id + 1);
        timer.put(session, Boolean.TRUE);
        return session;
    }

    /** Renews the lease: the request path's only cost is this store. */
    void touch(final Session session)
    {
        session.lastSeenNs = clock.nanoTime();
    }

    /** @return whether the session has gone a whole TTL without a request. */
    boolean isExpired(final Session session)
    {
        return clock.nanoTime() - session.lastSeenNs >= ttlNs;
    }

    /**
     * Runs the timer: every session whose lease ran out goes to {@code onExpired} (which must end it), and one that
     * was heard from since its entry was armed is armed again for the rest of its lease. Conductor thread, once per
     * duty cycle.
     *
     * @return how many sessions expired.
     */
    int expireDue(final Consumer<Session> onExpired)
    {
        scheduler.passed(ticks());
        timer.cleanUp();
        if (fired.isEmpty())
        {
            return 0;
        }
        int expired = 0;
        // Indexed: re-arming below may run Caffeine's maintenance, which can add to the list while we walk it.
        for (int i = 0; i < fired.size(); i++)
        {
            final Session session = fired.get(i);
            if (session.ended)
            {
                continue;
            }
            // A process-bound session (a client that never registered, on kernel credentials) has no TTL: its
            // process's exit ends it. It stays armed, so a later REGISTER that makes it renew finds the timer set.
            if (isExpired(session) && !session.processBound)
            {
                expired++;
                onExpired.accept(session);
                if (!session.ended)
                {
                    remove(session);
                }
            }
            else
            {
                timer.put(session, Boolean.TRUE);
            }
        }
        fired.clear();
        return expired;
    }

    /**
     * Nanoseconds until the timer next has something due (Caffeine's own estimate, which errs late by up to one
     * bucket), or {@code Long.MAX_VALUE} when nothing is armed.
     */
    long nanosToNextExpiry()
    {
        final long dueTicks = scheduler.dueTicks();
        if (dueTicks == DutyCycleScheduler.NONE)
        {
            return Long.MAX_VALUE;
        }
        return Math.max(0, (dueTicks - ticks()) >> TICK_SHIFT);
    }

    /** Forgets the session; its holds must already be gone. */
    void remove(final Session session)
    {
        session.ended = true;
        sessions.remove(session.address, session);
        timer.invalidate(session);
    }

    /** @return milliseconds left on the lease. */
    long remainingMs(final Session session)
    {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(session.lastSeenNs + ttlNs - clock.nanoTime()));
    }

    Collection<Session> sessions()
    {
        return sessions.values();
    }

    int size()
    {
        return sessions.size();
    }
}
