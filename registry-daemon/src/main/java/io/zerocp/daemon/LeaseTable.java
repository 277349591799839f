package io.zerocp.daemon;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;

import java.util.Collection;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sessions by client address, and the timer that ends those not heard from within the TTL.
 * <p>
 * The map is the conductor's alone. The timer is a Caffeine cache used only for its expiry: an entry's deadline is
 * the session's last-seen time plus the TTL, computed when the entry is armed. Renewing a lease just stores the time
 * (no Caffeine call on the request path); when the timer fires, {@link #isExpired} re-checks and the conductor
 * re-arms the ones that were heard from meanwhile. The listener runs on Caffeine's scheduler thread and only posts
 * an event.
 */
final class LeaseTable
{
    private final HashMap<ClientAddress, Session> sessions = new HashMap<>();
    private final Cache<Session, Boolean> timer;
    private final Ticker ticker;
    private final long ttlNs;
    private long nextId = 1;

    /**
     * @param ttlMs     lease length.
     * @param ticker    the monotonic clock, shared with the conductor.
     * @param scheduler Caffeine scheduler, so expiry fires with no traffic; {@link Scheduler#disabledScheduler()} in
     *                  tests, which call {@link #cleanUp()} instead.
     * @param sink      receives expiry events, on whatever thread the timer runs.
     */
    LeaseTable(
        final long ttlMs, final Ticker ticker, final Scheduler scheduler, final Consumer<LivenessEvent> sink)
    {
        this.ttlNs = TimeUnit.MILLISECONDS.toNanos(ttlMs);
        this.ticker = ticker;
        this.timer = Caffeine.newBuilder()
            .ticker(ticker)
            .scheduler(scheduler)
            .executor(Runnable::run)
            .expireAfter(new Expiry<Session, Boolean>()
            {
                @Override
                public long expireAfterCreate(final Session session, final Boolean value, final long now)
                {
                    return Math.max(0, session.lastSeenNs + ttlNs - now);
                }

                @Override
                public long expireAfterUpdate(
                    final Session session, final Boolean value, final long now, final long currentDuration)
                {
                    return expireAfterCreate(session, value, now);
                }

                @Override
                public long expireAfterRead(
                    final Session session, final Boolean value, final long now, final long currentDuration)
                {
                    return currentDuration;
                }
            })
            .<Session, Boolean>evictionListener((session, value, cause) ->
            {
                if (cause == RemovalCause.EXPIRED && null != session)
                {
                    sink.accept(new LivenessEvent(session, EndCause.LEASE_EXPIRY));
                }
            })
            .build();
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
        final Session session = new Session(address, nextId++, epochMs, ticker.read());
        sessions.put(address, session);
        timer.put(session, Boolean.TRUE);
        return session;
    }

    /** Re-creates a session read back from the state journal, with a fresh full TTL. */
    Session restore(final ClientAddress address, final long id, final long startedEpochMs)
    {
        final Session session = new Session(address, id, startedEpochMs, ticker.read());
        sessions.put(address, session);
        nextId = Math.max(nextId, id + 1);
        timer.put(session, Boolean.TRUE);
        return session;
    }

    /** Renews the lease: the request path's only cost is this store. */
    void touch(final Session session)
    {
        session.lastSeenNs = ticker.read();
    }

    /** @return whether the session has gone a whole TTL without a request. */
    boolean isExpired(final Session session)
    {
        return ticker.read() - session.lastSeenNs >= ttlNs;
    }

    /** Arms the timer again for a session heard from since it was armed. */
    void rearm(final Session session)
    {
        if (!session.ended)
        {
            timer.put(session, Boolean.TRUE);
        }
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
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(session.lastSeenNs + ttlNs - ticker.read()));
    }

    Collection<Session> sessions()
    {
        return sessions.values();
    }

    int size()
    {
        return sessions.size();
    }

    /** Runs due expiries now (tests; the scheduler does it in production). */
    void cleanUp()
    {
        timer.cleanUp();
    }
}
