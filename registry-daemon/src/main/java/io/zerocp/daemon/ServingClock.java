package io.zerocp.daemon;

import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The clock leases are judged by: time the daemon was actually serving. A lease ends when its client went a whole TTL
 * unheard, and a client cannot be heard while the conductor is not reading its socket: paused for a {@code --replace}
 * successor that never confirms, frozen in a blocking close, stopped by a long GC or by {@code SIGSTOP}. Judged by the
 * wall's monotonic clock, every client whose renewals sat in the socket queue meanwhile lost its session, its holds
 * and its regions the moment the conductor came back (issue 25: 4 of 4 sessions, after a 5 s stall with a 1.5 s
 * lease). A stall is not the clients' fault, so it is taken out of their time.
 * <p>
 * How: the conductor reads this clock at least once per duty cycle (the lease timer runs every cycle, and the idle
 * wait is at most 100 ms), so two reads more than {@link #MAX_STEP_MS} ms apart mean the conductor was not running
 * in between. From {@link #startServing()} on, such a step counts as {@link #MAX_STEP_MS} only; the rest is
 * excluded, which moves every lease deadline later by the stall. The clock never goes back, and reads nothing but
 * the underlying clock, so it costs two subtractions per read (the request path reads it to renew a lease).
 * Until {@link #startServing()} it is the underlying clock exactly: tests that step a hand-driven clock by whole TTLs
 * and drive the duty cycle themselves see what they set. The time between the last read before
 * {@link #startServing()} and that call (the start, a handover's restore) does not count either.
 * <p>
 * Conductor thread only (and the starting thread before the conductor starts).
 */
final class ServingClock implements NanoClock
{
    private static final Logger LOG = LoggerFactory.getLogger(ServingClock.class);
    /** The longest step between two reads that counts in full: the idle wait's 100 ms plus a busy duty cycle. */
    static final long MAX_STEP_MS = 250;
    private static final long MAX_STEP_NS = TimeUnit.MILLISECONDS.toNanos(MAX_STEP_MS);
    /** Stalls at least this long are logged at WARN; shorter ones (a busy machine, a GC) at DEBUG. */
    private static final long WARN_STALL_NS = TimeUnit.SECONDS.toNanos(1);

    private final NanoClock clock;
    private boolean serving;
    private long lastNs;
    private long excludedNs;
    private long stalls;

    ServingClock(final NanoClock clock)
    {
        this.clock = clock;
        this.lastNs = clock.nanoTime();
    }

    /** From now on, steps longer than {@link #MAX_STEP_MS} between reads count only that much. Conductor thread. */
    void startServing()
    {
        final long now = clock.nanoTime();
        excludedNs += now - lastNs; // the start (or a handover's restore) is no client's time either
        lastNs = now;
        serving = true;
    }

    @Override
    public long nanoTime()
    {
        final long now = clock.nanoTime();
        final long step = now - lastNs;
        lastNs = now;
        if (serving && step > MAX_STEP_NS)
        {
            excludedNs += step - MAX_STEP_NS;
            stalls++;
            if (step >= WARN_STALL_NS)
            {
                LOG.warn("the conductor did not serve for {} ms (paused, stalled or stopped): leases are judged by " +
                    "serving time, so no client pays for it ({} such stall(s) so far)",
                    TimeUnit.NANOSECONDS.toMillis(step), stalls);
            }
            else if (LOG.isDebugEnabled())
            {
                LOG.debug("conductor step of {} ms: {} ms not counted against leases",
                    TimeUnit.NANOSECONDS.toMillis(step), TimeUnit.NANOSECONDS.toMillis(step - MAX_STEP_NS));
            }
        }
        return now - excludedNs;
    }

    /** @return how much time was not counted so far, ns. */
    long excludedNs()
    {
        return excludedNs;
    }
}
