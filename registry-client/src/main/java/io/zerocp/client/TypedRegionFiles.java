package io.zerocp.client;

import io.zerocp.api.RegionLayout;
import org.agrona.DirectBuffer;

import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For {@code io.zerocp.client.typed} only, not an API: the open file behind a {@link SharedRegion}, on which the typed
 * regions take their kernel record locks ({@code RoleLocks} there), and the guard against the POSIX trap that comes
 * with them: closing <em>any</em> descriptor of a file drops <em>all</em> of the process's {@code fcntl} locks on it.
 * So the client never closes a region's file, in a process holding role locks on the region, while those locks are
 * held: {@link #close(SharedRegion)} defers the close until the last lock on that region name in this process is
 * released (the name is a superset key: two files of one name only make a close wait longer than it must).
 * <p>
 * Public only because the typed package is another package; it exposes nothing a holder of the region could not
 * reach through {@code /proc/self/fd}. Thread-safe.
 */
public final class TypedRegionFiles
{
    /** Per region name: locks this process holds and regions whose close waits for them. */
    private static final Map<String, Group> GROUPS = new HashMap<>();

    private static final class Group
    {
        int locks;
        final List<SharedRegion> pendingClose = new ArrayList<>();
    }

    private TypedRegionFiles()
    {
    }

    /**
     * @return the channel the region keeps open (read-write for a writable region), closed with the region.
     * @throws IllegalStateException when the region is closed.
     */
    public static FileChannel channel(final SharedRegion region)
    {
        return region.channel();
    }

    /** A role lock on region {@code name}'s file was taken in this process. */
    public static void lockTaken(final String name)
    {
        synchronized (GROUPS)
        {
            GROUPS.computeIfAbsent(name, n -> new Group()).locks++;
        }
    }

    /** A role lock taken with {@link #lockTaken} was released: regions waiting for the last one are closed. */
    public static void lockReleased(final String name)
    {
        final List<SharedRegion> toClose;
        synchronized (GROUPS)
        {
            final Group group = GROUPS.get(name);
            if (null == group)
            {
                return;
            }
            group.locks--;
            toClose = closable(name, group);
        }
        toClose.forEach(SharedRegion::close);
    }

    /** Closes {@code region} now, or when this process holds no role lock on its name any more. */
    public static void close(final SharedRegion region)
    {
        synchronized (GROUPS)
        {
            final Group group = GROUPS.get(region.name());
            if (null != group && group.locks > 0)
            {
                group.pendingClose.add(region);
                return;
            }
        }
        region.close();
    }

    /** A raw writable open must not silently hand out a typed region (issue 26): the caller asks for acquireRaw. */
    static SharedRegion refuseTyped(final SharedRegion region)
    {
        final DirectBuffer view = region.view();
        if (view.capacity() < RegionLayout.PREFIX_LENGTH ||
            view.getLong(RegionLayout.MAGIC_OFFSET) != RegionLayout.MAGIC)
        {
            return region;
        }
        final String layout = RegionLayout.describe(view.getLong(RegionLayout.MAGIC_OFFSET),
            view.getLong(RegionLayout.STATE_OFFSET), view.getInt(RegionLayout.KIND_OFFSET),
            view.getInt(RegionLayout.VERSION_OFFSET));
        // Closed the way the typed classes close theirs: never while this process holds role locks on its file.
        close(region);
        throw new RegistryException(null, "region " + region.name() + " holds a typed layout (" + layout + "); open " +
            "it with its typed class (MessageRing, BroadcastRegion, FramePool), with acquireReadOnly to look, or with " +
            "acquireRaw(name, size) to map it raw and writable on purpose");
    }

    private static List<SharedRegion> closable(final String name, final Group group)
    {
        if (group.locks > 0)
        {
            return List.of();
        }
        GROUPS.remove(name);
        return new ArrayList<>(group.pendingClose);
    }
}
