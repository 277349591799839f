package io.zerocp.daemon;

import java.util.ArrayList;
import java.util.List;

/**
 * The linger of regions whose last hold went: each is unlinked when its deadline passes unless someone holds it
 * again first. Keeps the deadlines only; {@link Registry} does the removing. Conductor thread only.
 */
final class RegionReaper
{
    private final ArrayList<Region> lingering = new ArrayList<>();
    private final ArrayList<Region> due = new ArrayList<>();
    private final long lingerNs;

    RegionReaper(final long lingerNs)
    {
        this.lingerNs = lingerNs;
    }

    /** Whether a region with no holders goes at once (no linger configured). */
    boolean removesAtOnce()
    {
        return lingerNs == 0;
    }

    /** Starts the region's linger (at least 1 ns, so a restored region still goes through the reaper). */
    void startLinger(final Region region, final long nowNs)
    {
        if (region.reapDeadlineNs == 0)
        {
            region.reapDeadlineNs = nowNs + Math.max(1, lingerNs);
            lingering.add(region);
        }
    }

    /** The region is held again, or deleted: it no longer lingers. */
    void cancel(final Region region)
    {
        if (region.reapDeadlineNs != 0)
        {
            region.reapDeadlineNs = 0;
            lingering.remove(region);
        }
    }

    /**
     * @return the regions whose linger is over, no longer lingering; the list is reused by the next call.
     */
    List<Region> takeDue(final long nowNs)
    {
        due.clear();
        for (int i = lingering.size() - 1; i >= 0; i--)
        {
            final Region region = lingering.get(i);
            if (nowNs - region.reapDeadlineNs >= 0)
            {
                lingering.remove(i);
                region.reapDeadlineNs = 0;
                due.add(region);
            }
        }
        return due;
    }

    /** Nanoseconds until the next lingering region is due, or {@code Long.MAX_VALUE}. */
    long nanosToNext(final long nowNs)
    {
        long next = Long.MAX_VALUE;
        for (int i = 0, n = lingering.size(); i < n; i++)
        {
            next = Math.min(next, Math.max(0, lingering.get(i).reapDeadlineNs - nowNs));
        }
        return next;
    }
}
