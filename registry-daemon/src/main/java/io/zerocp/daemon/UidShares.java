package io.zerocp.daemon;

import org.agrona.collections.Int2IntCounterMap;
import org.agrona.collections.Long2LongHashMap;

/**
 * What each kernel uid takes of the daemon's state: the regions it made (and is making), and the bytes its regions,
 * sessions and holds take in the state journal once compacted (the size of their records, see
 * {@link JournalCodec#regionRecordLength}). One uid once filled the whole 4 MiB journal with 23,943 tiny regions, and
 * every other user's request was refused {@code ERROR: Not durable}; with {@code max-regions-per-uid} and
 * {@code journal-share-per-uid} it is refused first ({@code ERROR: Quota exceeded}) and the rest is left to the
 * others. A compacted journal holds exactly these records, so a uid within its share never takes more than it of a
 * compaction. Uids are known on the native transport only; the unknown uid is counted but never limited, and neither
 * is the daemon's own uid (it can stop the daemon anyway).
 * <p>
 * It also counts the regions nobody has ever held ({@code max-unheld-regions}): on JDK 17 the daemon knows no uid and
 * a client that never registers (the seed's C client, the CLI) holds nothing, so its regions are never reaped; the
 * bound keeps them from filling the journal whoever makes them. Conductor thread only.
 */
final class UidShares
{
    private final Int2IntCounterMap regions = new Int2IntCounterMap(0);
    private final Long2LongHashMap bytes = new Long2LongHashMap(0);
    private int unheldRegions;

    /** A region is journaled for a client of {@code uid} (it counts from then, creation under way included). */
    void regionBegun(final Region region, final int uid)
    {
        region.ownerUid = uid;
        region.charged = true;
        regionAdded(uid, region.journalBytes);
    }

    /** A region joins the table (made, restored or static): one nobody has held yet counts as unheld. */
    void regionJoined(final Region region)
    {
        if (!region.isStatic && !region.hadHolds && !region.countedUnheld)
        {
            region.countedUnheld = true;
            unheldRegions++;
        }
    }

    /** A region got a hold: it is no longer one nobody has held. */
    void regionHeld(final Region region)
    {
        if (region.countedUnheld)
        {
            region.countedUnheld = false;
            unheldRegions--;
        }
    }

    /** A region is removed, or its creation undone. Safe to call twice. */
    void regionGone(final Region region)
    {
        if (region.charged)
        {
            region.charged = false;
            regionRemoved(region.ownerUid, region.journalBytes);
        }
        regionHeld(region);
    }

    /** @return regions in the table that nobody has ever held. */
    int unheldRegions()
    {
        return unheldRegions;
    }

    private void regionAdded(final int uid, final long journalBytes)
    {
        regions.incrementAndGet(uid);
        add(uid, journalBytes);
    }

    private void regionRemoved(final int uid, final long journalBytes)
    {
        if (regions.get(uid) > 0)
        {
            regions.decrementAndGet(uid);
        }
        add(uid, -journalBytes);
    }

    /** Adds (or with a negative value takes away) journal bytes of a session or a hold of {@code uid}'s. */
    void add(final int uid, final long journalBytes)
    {
        final long now = bytes.get(uid) + journalBytes;
        if (now <= 0)
        {
            bytes.remove(uid);
        }
        else
        {
            bytes.put(uid, now);
        }
    }

    int regionsOf(final int uid)
    {
        return regions.get(uid);
    }

    long journalBytesOf(final int uid)
    {
        return bytes.get(uid);
    }
}
