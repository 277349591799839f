package io.zerocp.daemon;

import io.zerocp.api.Verb;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Time from receiving a request to handing its reply to the socket, per verb, in fixed buckets: a histogram the conductor writes
 * without allocating and the metrics endpoint reads on scrape.
 *
 * <p>One writer (the conductor), so each slot is a plain read-increment-{@code lazySet}; a reader on another thread
 * sees every slot whole and never going backwards, though one scrape may see a request in its bucket but not yet in
 * its verb's sum. The count is the sum of the buckets, so count and buckets always agree.
 */
final class RequestLatency
{
    /** Bucket upper bounds, nanoseconds, inclusive; a last, unbounded bucket follows. 1-2.5-5 per decade. */
    private static final long[] UPPER_BOUNDS_NS = {
        1_000, 2_500, 5_000,
        10_000, 25_000, 50_000,
        100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000,
        10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000,
        1_000_000_000};

    /** Buckets per verb, the unbounded one included. */
    static final int BUCKETS = UPPER_BOUNDS_NS.length + 1;
    /** Rows: one per verb, then one for requests that did not parse to a verb (too long, unknown). */
    static final int ROWS = Verb.values().length + 1;
    private static final int UNPARSED_ROW = ROWS - 1;
    /** Per row: the buckets, then the sum of nanoseconds. */
    private static final int STRIDE = BUCKETS + 1;

    private final AtomicLongArray slots = new AtomicLongArray(ROWS * STRIDE);

    /** Records one request. Conductor thread only; allocates nothing. @param verb {@code null} when unparsed. */
    void record(final Verb verb, final long nanos)
    {
        final int base = (null == verb ? UNPARSED_ROW : verb.ordinal()) * STRIDE;
        final long clamped = Math.max(0, nanos);
        int bucket = 0;
        while (bucket < UPPER_BOUNDS_NS.length && clamped > UPPER_BOUNDS_NS[bucket])
        {
            bucket++;
        }
        slots.lazySet(base + bucket, slots.get(base + bucket) + 1);
        slots.lazySet(base + BUCKETS, slots.get(base + BUCKETS) + clamped);
    }

    /** @return the row of {@code verb}, or of unparsed requests for {@code null}. */
    static int row(final Verb verb)
    {
        return null == verb ? UNPARSED_ROW : verb.ordinal();
    }

    /** @return the verb of a row, or {@code null} for the unparsed row. */
    static Verb verbOf(final int row)
    {
        return row == UNPARSED_ROW ? null : Verb.values()[row];
    }

    /** @return the upper bound of {@code bucket} in nanoseconds; {@link Long#MAX_VALUE} for the last. */
    static long upperBoundNs(final int bucket)
    {
        return bucket < UPPER_BOUNDS_NS.length ? UPPER_BOUNDS_NS[bucket] : Long.MAX_VALUE;
    }

    /** @return requests of {@code row} that fell into {@code bucket} (not cumulative). */
    long bucketCount(final int row, final int bucket)
    {
        return slots.get(row * STRIDE + bucket);
    }

    /** @return nanoseconds summed over the requests of {@code row}. */
    long sumNanos(final int row)
    {
        return slots.get(row * STRIDE + BUCKETS);
    }

    /** @return requests recorded for {@code row}: the sum of its buckets. */
    long count(final int row)
    {
        long count = 0;
        for (int b = 0; b < BUCKETS; b++)
        {
            count += bucketCount(row, b);
        }
        return count;
    }
}
