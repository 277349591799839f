package io.zerocp.daemon;

import java.util.Collection;

/** The state a journal compaction writes out: every region and every session with its holds. */
interface DurableState
{
    Collection<Region> regions();

    Collection<Session> sessions();

    /** Regions journaled whose files are still being made: a compaction keeps their records. */
    default Collection<Region> regionsBeingMade()
    {
        return java.util.List.of();
    }
}
