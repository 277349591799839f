package io.zerocp.client;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What this client holds, by region name, so the lease keeper can re-take it after a lapse, the last close of a name
 * can release it, and a region the daemon no longer holds for this client is noticed; and which names still owe the
 * daemon a {@code RELEASE} (pending releases: a close whose release did not get through, an acquire whose caller gave
 * up while the daemon may have granted it). Every method is short and holds the table's monitor only for map work,
 * never across a wait for the daemon (the lease keeper submits a release under it, which only queues it).
 */
final class HoldTable
{
    private final Map<String, Hold> holds = new HashMap<>();
    /** Names whose RELEASE has not been confirmed yet, in the order they were owed. */
    private final Set<String> pendingReleases = new LinkedHashSet<>();
    /** Names with an acquire in flight (count per name): a release of them must wait. */
    private final Map<String, Integer> acquiring = new HashMap<>();

    /** What this client holds of one region. */
    static final class Hold
    {
        final String name;
        final long size;
        final boolean readOnly;
        /** The file's identity (device and inode) when this process mapped it; null when unknown. */
        Object fileKey;
        /** The file's path when this process mapped it (whose identity is compared); null when unknown. */
        Path file;
        int openRegions;
        /** Set once, when the daemon no longer holds this file for this client; read by SharedRegion.isValid. */
        volatile boolean lost;

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

    /** An acquire of {@code name} is about to be sent. @return whether the name is held already. */
    synchronized boolean startAcquire(final String name)
    {
        acquiring.merge(name, 1, Integer::sum);
        return holds.containsKey(name);
    }

    /** The acquire of {@code name} ended (recorded, failed or abandoned). */
    synchronized void endAcquire(final String name)
    {
        acquiring.computeIfPresent(name, (n, count) -> count <= 1 ? null : count - 1);
    }

    /** Records a hold taken without a mapping ({@code shmPath}). */
    synchronized void recordPath(final String name, final long size)
    {
        holds.computeIfAbsent(name, n -> new Hold(n, size, false));
        pendingReleases.remove(name);
    }

    /** Records one more open region of {@code name}. @return its hold. */
    synchronized Hold recordOpen(
        final String name, final long size, final boolean readOnly, final Object fileKey, final Path file)
    {
        final Hold hold = holds.computeIfAbsent(name, n -> new Hold(n, size, readOnly));
        hold.openRegions++;
        if (null == hold.fileKey)
        {
            hold.fileKey = fileKey;
            hold.file = file;
        }
        pendingReleases.remove(name);
        return hold;
    }

    /**
     * One region of {@code hold} closed.
     *
     * @return whether that was the last open region of a hold still in the table: it is gone from the table then, and
     * its name is pending release.
     */
    synchronized boolean recordClose(final Hold hold)
    {
        if (--hold.openRegions > 0 || holds.get(hold.name) != hold)
        {
            return false; // more open regions, or a lost hold (its release was owed when it was lost)
        }
        holds.remove(hold.name);
        pendingReleases.add(hold.name);
        return true;
    }

    /** {@code name} owes the daemon a RELEASE (unless it is held again before that is sent). */
    synchronized void owe(final String name)
    {
        pendingReleases.add(name);
    }

    /**
     * @return whether a RELEASE of {@code name} should be sent now: it is owed, and the name is neither held nor being
     * acquired. A name held again owes nothing any more.
     */
    synchronized boolean releasable(final String name)
    {
        if (holds.containsKey(name))
        {
            pendingReleases.remove(name);
            return false;
        }
        return pendingReleases.contains(name) && !acquiring.containsKey(name);
    }

    /** The daemon confirmed a RELEASE of {@code name}. */
    synchronized void released(final String name)
    {
        if (!acquiring.containsKey(name))
        {
            pendingReleases.remove(name);
        }
    }

    /** @return the names owing a RELEASE. */
    synchronized List<String> pendingReleases()
    {
        return new ArrayList<>(pendingReleases);
    }

    /**
     * Takes {@code hold} out of the table for good: the daemon no longer holds its file for this client. Its name
     * owes a RELEASE (a re-take may have made the daemon hold a new file under it).
     *
     * @return whether this call marked it (false when it was already lost).
     */
    synchronized boolean markLost(final Hold hold)
    {
        if (hold.lost)
        {
            return false;
        }
        hold.lost = true;
        if (holds.get(hold.name) == hold)
        {
            holds.remove(hold.name);
            pendingReleases.add(hold.name);
        }
        return true;
    }

    /** @return every hold still in the table, for re-taking or checking them. */
    synchronized List<Hold> snapshot()
    {
        return new ArrayList<>(holds.values());
    }

    /** @return the identity of the file mapped for {@code hold}, swapping in {@code now}; null when unknown. */
    synchronized Object replaceFileKey(final Hold hold, final Object now)
    {
        final Object before = hold.fileKey;
        if (null != now && null == before)
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
        pendingReleases.clear();
    }
}
