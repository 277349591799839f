package io.zerocp.daemon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state as the journal's records describe it so far: what {@link JournalCodec#decode} builds and
 * {@link JournalRestore} reads back into a registry. Plain data; it checks nothing against the disk.
 */
final class JournalReplay
{
    static final class SavedRegion
    {
        String name;
        long size;
        boolean isStatic;
        boolean hadHolds;
        long createdEpochMs;
    }

    static final class SavedSession
    {
        long id;
        ClientAddress address;
        long startedEpochMs;
        long pid;
        long startTicks;
        String grantId;
        /** Version 2: the {@link GrantProof}; versions 0 and 1: the token's SHA-256 (never used). */
        byte[] grantProof;
        final List<String> holds = new ArrayList<>();
    }

    final Map<String, SavedRegion> regions = new LinkedHashMap<>();
    final Map<Long, SavedSession> sessions = new LinkedHashMap<>();
    /** The format version of the file it came from (0: the headerless format before versions). */
    int version = JournalCodec.VERSION;

    boolean isEmpty()
    {
        return regions.isEmpty() && sessions.isEmpty();
    }

    void regionCreated(final SavedRegion region)
    {
        regions.put(region.name, region);
    }

    void regionRemoved(final String name)
    {
        regions.remove(name);
        for (final SavedSession s : sessions.values())
        {
            s.holds.remove(name);
        }
    }

    void sessionStarted(final SavedSession session)
    {
        sessions.put(session.id, session);
    }

    void sessionUpdated(final long id, final long pid, final long ticks, final String grant, final byte[] proof)
    {
        final SavedSession s = sessions.get(id);
        if (null != s)
        {
            s.pid = pid;
            s.startTicks = ticks;
            s.grantId = grant.isEmpty() ? null : grant;
            s.grantProof = proof;
        }
    }

    void sessionEnded(final long id)
    {
        sessions.remove(id);
    }

    void holdAdded(final long sessionId, final String name)
    {
        final SavedSession s = sessions.get(sessionId);
        final SavedRegion r = regions.get(name);
        if (null != s && null != r && !s.holds.contains(name))
        {
            s.holds.add(name);
            r.hadHolds = true;
        }
    }

    void holdRemoved(final long sessionId, final String name)
    {
        final SavedSession s = sessions.get(sessionId);
        if (null != s)
        {
            s.holds.remove(name);
        }
    }
}
