package io.zerocp.daemon;

import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;

/**
 * One log line per burst of the same refusal, not one per refused request: the first is logged with its details,
 * the rest of the next {@value #WINDOW_S} s are counted, and the count is logged with the next one after that. A flood
 * of refused requests costs a counter increment each. Conductor thread only.
 */
final class BurstLog
{
    private static final long WINDOW_S = 10;

    private final Logger log;
    private final String what;
    private final NanoClock clock;
    private long windowStartNs;
    private long suppressed;
    private boolean started;

    BurstLog(final Logger log, final String what, final NanoClock clock)
    {
        this.log = log;
        this.what = what;
        this.clock = clock;
    }

    /**
     * Records one refusal of {@code who}, a sender of {@code uid} ({@link Session#UNKNOWN_UID} when not known); logged
     * only when it opens a burst, so a suppressed refusal builds no text.
     */
    void refused(final Object who, final int uid)
    {
        final long now = clock.nanoTime();
        if (started && now - windowStartNs < TimeUnit.SECONDS.toNanos(WINDOW_S))
        {
            suppressed++;
            return;
        }
        if (suppressed > 0)
        {
            log.warn("{}: {} more refused in the {} s before", what, suppressed, WINDOW_S);
        }
        log.warn("{}: refused {} ({}); further refusals are counted for {} s", what, who,
            uid == Session.UNKNOWN_UID ? "uid unknown" : "uid " + uid, WINDOW_S);
        started = true;
        windowStartNs = now;
        suppressed = 0;
    }
}
