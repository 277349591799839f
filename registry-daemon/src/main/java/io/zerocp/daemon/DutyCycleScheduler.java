package io.zerocp.daemon;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A Caffeine {@link Scheduler} that runs nothing: it writes down when the cache asked to be maintained next, and the
 * conductor, which calls {@code cleanUp()} every duty cycle anyway, bounds its idle wait by that time. So expiry
 * needs no scheduler thread. Conductor thread only (Caffeine calls it from inside the conductor's cache calls).
 */
final class DutyCycleScheduler implements Scheduler
{
    static final long NONE = Long.MIN_VALUE;

    private final Ticker ticker;
    private Pending current;

    DutyCycleScheduler(final Ticker ticker)
    {
        this.ticker = ticker;
    }

    @Override
    public Future<?> schedule(
        final Executor executor, final Runnable command, final long delay, final TimeUnit unit)
    {
        current = new Pending(ticker.read() + unit.toNanos(delay));
        return current;
    }

    /** @return the tick at which the cache wants maintenance, or {@link #NONE}. */
    long dueTicks()
    {
        return null == current ? NONE : current.dueTicks;
    }

    /** The conductor is about to run the cache's maintenance at {@code nowTicks}: a due request is served by it. */
    void passed(final long nowTicks)
    {
        if (null != current && nowTicks - current.dueTicks >= 0)
        {
            current.done = true;
            current = null;
        }
    }

    /** One request for maintenance; Caffeine cancels it when it wants another time. */
    private final class Pending implements Future<Object>
    {
        final long dueTicks;
        boolean done;
        boolean cancelled;

        Pending(final long dueTicks)
        {
            this.dueTicks = dueTicks;
        }

        @Override
        public boolean cancel(final boolean mayInterruptIfRunning)
        {
            if (done)
            {
                return false;
            }
            cancelled = true;
            done = true;
            if (current == this)
            {
                current = null;
            }
            return true;
        }

        @Override
        public boolean isCancelled()
        {
            return cancelled;
        }

        @Override
        public boolean isDone()
        {
            return done;
        }

        @Override
        public Object get()
        {
            return null;
        }

        @Override
        public Object get(final long timeout, final TimeUnit unit)
        {
            return null;
        }
    }
}
