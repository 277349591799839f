package io.zerocp.daemon;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Sessions, holds and held bytes per uid, as a bounded table: the {@code top} uids holding the most bytes (then the
 * most sessions, then the lowest uid) get a row each, every other uid is summed into one row {@code "other"}, so a
 * host with thousands of users still makes at most {@code top + 1} series per metric. A session whose uid is not
 * known counts as uid {@code "unknown"}. Computed on the conductor thread (it reads sessions), from a scrape's task.
 */
final class UidUsage
{
    static final String OTHER = "other";
    static final String UNKNOWN = "unknown";

    /** One row: a uid label and what its sessions hold. Bytes count each holder of a shared region once. */
    record Row(String uid, long sessions, long holds, long bytes)
    {
    }

    /** Asks for a table from another thread; it is computed on the conductor, between requests. */
    @FunctionalInterface
    interface Requests
    {
        CompletableFuture<UidUsage> request(int top);
    }

    private final List<Row> rows;
    private final int distinctUids;

    private UidUsage(final List<Row> rows, final int distinctUids)
    {
        this.rows = rows;
        this.distinctUids = distinctUids;
    }

    /** Sums {@code sessions} by uid. Conductor thread only (sessions are its state). */
    static UidUsage of(final Iterable<Session> sessions, final int top)
    {
        final Map<Integer, long[]> byUid = new HashMap<>();
        for (final Session session : sessions)
        {
            final long[] sums = byUid.computeIfAbsent(session.uid(), uid -> new long[3]);
            sums[0]++;
            sums[1] += session.holds.size();
            sums[2] += session.bytesHeld;
        }
        final List<Map.Entry<Integer, long[]>> ranked = new ArrayList<>(byUid.entrySet());
        ranked.sort((a, b) ->
        {
            final int byBytes = Long.compare(b.getValue()[2], a.getValue()[2]);
            if (byBytes != 0)
            {
                return byBytes;
            }
            final int bySessions = Long.compare(b.getValue()[0], a.getValue()[0]);
            return bySessions != 0 ? bySessions : Integer.compare(a.getKey(), b.getKey());
        });
        final List<Row> rows = new ArrayList<>(Math.min(ranked.size(), top + 1));
        final long[] other = new long[3];
        boolean anyOther = false;
        for (int i = 0; i < ranked.size(); i++)
        {
            final long[] sums = ranked.get(i).getValue();
            if (i < top)
            {
                rows.add(new Row(label(ranked.get(i).getKey()), sums[0], sums[1], sums[2]));
            }
            else
            {
                anyOther = true;
                for (int k = 0; k < 3; k++)
                {
                    other[k] += sums[k];
                }
            }
        }
        if (anyOther)
        {
            rows.add(new Row(OTHER, other[0], other[1], other[2]));
        }
        return new UidUsage(List.copyOf(rows), byUid.size());
    }

    /**
     * @return a future the conductor completes with the table of {@code leases}' sessions; failed at once when there
     *         is no conductor yet. A stopped conductor never completes it: callers bound their wait.
     */
    static CompletableFuture<UidUsage> onConductor(
        final Supplier<Conductor> conductor, final LeaseTable leases, final int top)
    {
        return onConductor(conductor, leases, top, () -> true);
    }

    /**
     * As above, completed with {@code null} when {@code shown} (asked on the conductor, which owns the access
     * policy) says the table is not for this caller.
     */
    static CompletableFuture<UidUsage> onConductor(
        final Supplier<Conductor> conductor, final LeaseTable leases, final int top, final BooleanSupplier shown)
    {
        final CompletableFuture<UidUsage> result = new CompletableFuture<>();
        final Conductor running = conductor.get();
        if (null == running)
        {
            result.completeExceptionally(new RejectedExecutionException("the conductor has not started"));
            return result;
        }
        running.submit(() -> result.complete(shown.getAsBoolean() ? of(leases.sessions(), top) : null));
        return result;
    }

    static String label(final int uid)
    {
        return uid == Session.UNKNOWN_UID ? UNKNOWN : Integer.toString(uid);
    }

    /** @return at most {@code top + 1} rows, the largest holders first, {@code "other"} (if any) last. */
    List<Row> rows()
    {
        return rows;
    }

    /** @return how many different uids have sessions (the unknown uid counts as one). */
    int distinctUids()
    {
        return distinctUids;
    }
}
