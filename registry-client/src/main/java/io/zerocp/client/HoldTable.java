package io.zerocp.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What this client holds, by region name, so the lease keeper can re-take it after a lapse and the last close of a
 * name can release it. Every method is short and holds the table's monitor only for map work, never across a
 * request to the daemon.
 */
final class HoldTable
{
    private final Map<String, Hold> holds = new HashMap<>();

    /** What this client holds of one region. */
    static final class Hold
    {
        final String name;
        final long size;
        final boolean readOnly;
        /** The file's identity (device and inode) when this process mapped it; null when unknown. */
        Object fileKey;
        int openRegions;

        Hold(final String name, final long size, final boolean readOnly)
        {
            this.name = name;
            this.size = size;
            this.readOnly = readOnly;
        }
    }

    synchronized boolean contains(final String name)
    {
        return holds.containsKey(name);
    }

    /** Records a hold taken without a mapping ({@code shmPath}). */
    synchronized void recordPath(final String name, final long size)
    {
        holds.computeIfAbsent(name, n -> new Hold(n, size, false));
    }

    /** Records one more open region of {@code name}. */
    synchronized void recordOpen(final String name, final long size, final boolean readOnly, final Object fileKey)
    {
        final Hold hold = holds.computeIfAbsent(name, n -> new Hold(n, size, readOnly));
        hold.openRegions++;
        if (null == hold.fileKey)
        {
            hold.fileKey = fileKey;
        }
    }

    /** @return whether that was the last open region of {@code name} (the hold is then gone from the table). */
    synchronized boolean recordClose(final String name)
    {
        final Hold hold = holds.get(name);
        if (null == hold)
        {
            return false;
        }
        if (--hold.openRegions <= 0)
        {
            holds.remove(name);
            return true;
        }
        return false;
    }

    /** @return a copy of every hold's (immutable) request parameters, for re-taking them. */
    synchronized List<Hold> snapshot()
    {
        return new ArrayList<>(holds.values());
    }

    /** @return the identity of the file mapped for {@code hold}, swapping in {@code now}; null when unknown. */
    synchronized Object replaceFileKey(final Hold hold, final Object now)
    {
        final Object before = hold.fileKey;
        if (null != now)
        {
            hold.fileKey = now;
        }
        return before;
    }

    synchronized int size()
    {
        return holds.size();
    }

    synchronized void clear()
    {
        holds.clear();
    }
}
