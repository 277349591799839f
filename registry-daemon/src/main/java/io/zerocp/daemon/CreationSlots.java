package io.zerocp.daemon;

import org.agrona.collections.Int2IntCounterMap;

import java.util.ArrayDeque;
import java.util.HashMap;

/**
 * How many region creations may be under way at once, shared out by the kernel's uid of whoever started each, so that
 * one user keeping the file worker busy cannot refuse another user's creation (issue 25).
 * <p>
 * At most {@value #MAX_PER_UID} creations of one uid are under way at once, and all of them together stay within
 * {@value #SHARED} except for a uid's first: a uid with no creation under way always gets a slot, whatever the others
 * hold (the reserve). So the total is bounded by {@value #SHARED} plus the number of uids. Senders whose uid the
 * transport does not know (junixsocket) share the {@value #SHARED} slots as before: there is nothing to tell them
 * apart by.
 * <p>
 * Turns: a uid's creations go to the one file worker one at a time, the others wait here in order, so the worker's
 * queue holds at most one creation per uid and a creation waits behind one of each other uid's, never behind all of
 * one uid's. Conductor thread only.
 *
 * @param <T> a creation under way.
 */
final class CreationSlots<T>
{
    /** Creations under way at once in all, past each uid's first. */
    static final int SHARED = 16;
    /** Creations of one uid under way at once. */
    static final int MAX_PER_UID = 4;

    private final Int2IntCounterMap byUid = new Int2IntCounterMap(0);
    private final HashMap<Integer, ArrayDeque<T>> turns = new HashMap<>();
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

    /**
     * Call after {@link #take}. @return whether {@code creation} must wait for its uid's turn (another creation of the
     * uid is with the worker): it is queued here until {@link #nextTurn}.
     */
    boolean waitsForTurn(final int uid, final T creation)
    {
        if (byUid.get(uid) <= 1)
        {
            return false;
        }
        turns.computeIfAbsent(uid, u -> new ArrayDeque<>()).add(creation);
        return true;
    }

    /** @return the uid's next creation for the worker (its previous one is done), or null. */
    T nextTurn(final int uid)
    {
        final ArrayDeque<T> waiting = turns.get(uid);
        if (null == waiting)
        {
            return null;
        }
        final T next = waiting.poll();
        if (waiting.isEmpty())
        {
            turns.remove(uid);
        }
        return next;
    }

    /** Forgets every creation waiting for its turn (a stop: they are undone with the rest). */
    void clearTurns()
    {
        turns.clear();
    }

    int total()
    {
        return total;
    }
}
