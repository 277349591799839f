package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Verb;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What {@code STATS} and the metrics endpoint report. Written by the conductor only; read from any thread.
 */
final class DaemonCounters
{
    private static final int VERBS = Verb.values().length;
    private static final int ERRORS = ErrorReply.values().length;
    private static final int CAUSES = EndCause.values().length;
    private static final int LIMITS = RefusalLimit.values().length;
    private static final int REAP_CAUSES = ReapCause.values().length;

    private static final int UNPARSED = VERBS;
    private static final int ERROR_BASE = VERBS + 1;
    private static final int SESSION_END_BASE = ERROR_BASE + ERRORS;
    private static final int DROPPED_REPLIES = SESSION_END_BASE + CAUSES;
    private static final int REGIONS_CREATED = DROPPED_REPLIES + 1;
    private static final int REGIONS_REAPED = REGIONS_CREATED + 1;
    private static final int REGIONS_DELETED = REGIONS_REAPED + 1;
    private static final int AUTH_FAILURES = REGIONS_DELETED + 1;
    private static final int SESSIONS_STARTED = AUTH_FAILURES + 1;
    private static final int GAUGE_REGIONS = SESSIONS_STARTED + 1;
    private static final int GAUGE_BYTES = GAUGE_REGIONS + 1;
    private static final int GAUGE_SESSIONS = GAUGE_BYTES + 1;
    private static final int REFUSAL_BASE = GAUGE_SESSIONS + 1;
    private static final int REAP_CAUSE_BASE = REFUSAL_BASE + LIMITS;
    private static final int LENGTH = REAP_CAUSE_BASE + REAP_CAUSES;

    private final AtomicLongArray values = new AtomicLongArray(LENGTH);
    private final RequestLatency latency = new RequestLatency();

    private void increment(final int index)
    {
        values.lazySet(index, values.get(index) + 1); // single writer
    }

    private void add(final int index, final long delta)
    {
        values.lazySet(index, values.get(index) + delta); // single writer
    }

    void request(final Verb verb)
    {
        increment(null == verb ? UNPARSED : verb.ordinal());
    }

    void error(final ErrorReply error)
    {
        increment(ERROR_BASE + error.ordinal());
    }

    void sessionEnded(final EndCause cause)
    {
        increment(SESSION_END_BASE + cause.ordinal());
    }

    void droppedReply()
    {
        increment(DROPPED_REPLIES);
    }

    void droppedReplies(final long count)
    {
        if (count > 0)
        {
            add(DROPPED_REPLIES, count);
        }
    }

    void regionCreated()
    {
        increment(REGIONS_CREATED);
    }

    void regionReaped(final ReapCause cause)
    {
        increment(REGIONS_REAPED);
        increment(REAP_CAUSE_BASE + cause.ordinal());
    }

    /** A request refused by {@code limit} (it also counts as the error it was answered with). */
    void refused(final RefusalLimit limit)
    {
        increment(REFUSAL_BASE + limit.ordinal());
    }

    /** Receive-to-reply times per verb, recorded by the conductor. */
    RequestLatency latency()
    {
        return latency;
    }

    void regionDeleted()
    {
        increment(REGIONS_DELETED);
    }

    void authFailure()
    {
        increment(AUTH_FAILURES);
    }

    void sessionStarted()
    {
        increment(SESSIONS_STARTED);
    }

    /** Publishes the registry's size for readers on other threads (metrics). */
    void gauges(final long regions, final long bytes, final long sessions)
    {
        values.lazySet(GAUGE_REGIONS, regions);
        values.lazySet(GAUGE_BYTES, bytes);
        values.lazySet(GAUGE_SESSIONS, sessions);
    }

    long regionsGauge()
    {
        return values.get(GAUGE_REGIONS);
    }

    long bytesGauge()
    {
        return values.get(GAUGE_BYTES);
    }

    long sessionsGauge()
    {
        return values.get(GAUGE_SESSIONS);
    }

    long requests(final Verb verb)
    {
        return values.get(verb.ordinal());
    }

    long unparsedRequests()
    {
        return values.get(UNPARSED);
    }

    long errors(final ErrorReply error)
    {
        return values.get(ERROR_BASE + error.ordinal());
    }

    long totalErrors()
    {
        long sum = 0;
        for (int i = 0; i < ERRORS; i++)
        {
            sum += values.get(ERROR_BASE + i);
        }
        return sum;
    }

    long sessionsEnded(final EndCause cause)
    {
        return values.get(SESSION_END_BASE + cause.ordinal());
    }

    long droppedReplies()
    {
        return values.get(DROPPED_REPLIES);
    }

    long regionsCreated()
    {
        return values.get(REGIONS_CREATED);
    }

    long regionsReaped()
    {
        return values.get(REGIONS_REAPED);
    }

    long regionsReaped(final ReapCause cause)
    {
        return values.get(REAP_CAUSE_BASE + cause.ordinal());
    }

    long refusals(final RefusalLimit limit)
    {
        return values.get(REFUSAL_BASE + limit.ordinal());
    }

    long regionsDeleted()
    {
        return values.get(REGIONS_DELETED);
    }

    long authFailures()
    {
        return values.get(AUTH_FAILURES);
    }

    long sessionsStarted()
    {
        return values.get(SESSIONS_STARTED);
    }
}
