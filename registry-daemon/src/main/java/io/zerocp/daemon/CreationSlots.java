package io.zerocp.daemon;

import org.agrona.collections.Int2IntCounterMap;

/**
 * How many region creations may be under way at once, shared out by the kernel's uid of whoever started each, so that
 * one user keeping the file worker busy cannot refuse another user's creation (issue 25).
 * <p>
 * At most {@value #MAX_PER_UID} creations of one uid are under way at once, and all of them together stay within
 * {@value #SHARED} except for a uid's first: a uid with no creation under way always gets a slot, whatever the others
 * hold (the reserve). So the total is bounded by {@value #SHARED} plus the number of uids. Senders whose uid the
 * transport does not know (junixsocket) share the {@value #SHARED} slots as before: there is nothing to tell them
 * apart by. Conductor thread only.
 */
final class CreationSlots
{
    /** Creations under way at once in all, past each uid's first. */
    static final int SHARED = 16;
    /** Creations of one uid under way at once. */
    static final int MAX_PER_UID = 4;

    private final Int2IntCounterMap byUid = new Int2IntCounterMap(0);
    private int total;

    /** @return whether a creation for {@code uid} ({@link Session#UNKNOWN_UID}: not known) may start now. */
    boolean hasRoomFor(final int uid)
    {
        if (Session.UNKNOWN_UID == uid)
        {
            return total < SHARED;
        }
        final int mine = byUid.get(uid);
        return 0 == mine || (mine < MAX_PER_UID && total < SHARED);
    }

    void take(final int uid)
    {
        byUid.incrementAndGet(uid);
        total++;
    }

    void give(final int uid)
    {
        if (byUid.get(uid) > 0)
        {
            byUid.decrementAndGet(uid);
            total--;
        }
    }

    /** @return the creations under way of {@code uid}. */
    int of(final int uid)
    {
        return byUid.get(uid);
    }

    int total()
    {
        return total;
    }
}
