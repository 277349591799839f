package io.zerocp.daemon;

import io.zerocp.api.RegionNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a restart keeps of the saved state: regions whose file is still there with the recorded size (a region
 * journaled but whose file is short and was never held is a creation cut short by a crash, and is completed);
 * sessions whose registered process is still alive (same pid and start time; those whose process died while the
 * daemon was down end at once and their holds go), or that never named a process; both with a fresh lease; their
 * holds on restored regions; and their token grant, decided by the current config: the token of that id, if the
 * session's {@link GrantProof} is that token's (a token that is gone or was re-keyed, or a session someone else
 * wrote into the journal, gets nothing and must authenticate again; with authentication off every session gets the
 * open grant). A version 0 or 1 journal stored the token's hash instead of a proof: that is ignored, and its
 * sessions get the token of their id in the current config.
 * Then the journal is compacted to what was kept, in the current format (so an old version is migrated).
 */
final class JournalRestore
{
    private static final Logger LOG = LoggerFactory.getLogger(StateJournal.class);

    private JournalRestore()
    {
    }

    /**
     * Reads {@code journal} back into {@code registry}.
     *
     * @throws JournalFile.UnknownVersionException when the journal is of a format this daemon cannot read.
     */
    static void restore(final StateJournal journal, final Registry registry, final ProcessProbe probe)
        throws IOException, JournalFile.UnknownVersionException
    {
        final JournalReplay replay = journal.read();
        journal.suspend(true);
        final List<Session> dead = new ArrayList<>();
        final Map<String, Region> regions;
        int restoredSessions = 0;
        try
        {
            regions = restoreRegions(replay, registry, journal);
            for (final JournalReplay.SavedSession saved : replay.sessions.values())
            {
                final Session session = registry.leases().restore(saved.address, saved.id, saved.startedEpochMs);
                restoredSessions++;
                final TokenGrant grant = grantFor(saved, registry.tokens(), replay.version);
                if (null != grant)
                {
                    registry.grant(session, grant);
                }
                else if (null != saved.grantId)
                {
                    LOG.info("{}: its token '{}' is no longer configured (or no longer the one it authenticated " +
                        "with); it must authenticate again", session,
                        saved.grantId);
                }
                for (final String name : saved.holds)
                {
                    final Region region = regions.get(name);
                    if (null != region)
                    {
                        registry.hold(session, region);
                    }
                }
                if (saved.pid > 0)
                {
                    if (probe.startTicks(saved.pid) == saved.startTicks)
                    {
                        registry.watchProcess(session, saved.pid, saved.startTicks);
                    }
                    else
                    {
                        dead.add(session);
                    }
                }
            }
            for (final Region region : regions.values())
            {
                registry.scheduleReap(region);
            }
            for (final Session session : dead)
            {
                registry.endSession(session, EndCause.PROCESS_EXIT);
            }
        }
        finally
        {
            journal.suspend(false); // what the restore changed is in the compaction below
        }
        if (!replay.isEmpty())
        {
            LOG.info("restored {} region(s) and {} session(s) from {}; {} session(s) whose process died while the " +
                "daemon was down were ended", regions.size(), restoredSessions, journal.path(), dead.size());
        }
        if (replay.version < JournalCodec.VERSION)
        {
            LOG.info("state journal {} was format version {}; rewriting it as version {}", journal.path(),
                replay.version, JournalCodec.VERSION);
        }
        try
        {
            journal.compact(registry);
        }
        catch (final OwnFiles.UntrustedFileException ex)
        {
            throw ex; // a planted spare is refused at start, like a planted journal
        }
        catch (final IOException ex)
        {
            // A full filesystem must not keep the daemon down: go on with the journal as it is, refuse what does not
            // fit, and compact once there is room.
            LOG.error("cannot compact state journal {} at start: {}; going on with it as it is", journal.path(),
                ex.getMessage());
            try
            {
                journal.continueWithoutCompaction();
            }
            catch (final IOException again)
            {
                LOG.error("cannot open state journal {}: {}; every change is refused with ERROR: Not durable until " +
                    "there is room", journal.path(), again.getMessage());
            }
        }
    }

    private static Map<String, Region> restoreRegions(
        final JournalReplay replay, final Registry registry, final StateJournal journal)
    {
        final Map<String, Region> regions = new HashMap<>();
        for (final JournalReplay.SavedRegion saved : replay.regions.values())
        {
            if (!RegionNames.isValid(saved.name) || saved.size <= 0)
            {
                // The checksum held, so this was written as is; never let it name a path outside the shm dir.
                LOG.warn("state journal {}: ignoring region record with invalid name or size ({}, {})",
                    journal.path(), saved.name, saved.size);
                continue;
            }
            final Region region = registry.restore(
                saved.name, saved.size, saved.isStatic, saved.createdEpochMs, !saved.hadHolds);
            if (null != region)
            {
                region.hadHolds = saved.hadHolds;
                regions.put(saved.name, region);
            }
        }
        return regions;
    }

    /**
     * The grant a restored session gets: the token of its id whose proof it carries (version 2), or of its id alone
     * (versions 0 and 1, whose stored hash is ignored); the open grant when authentication is off; else none.
     */
    private static TokenGrant grantFor(
        final JournalReplay.SavedSession saved, final List<TokenGrant> tokens, final int version)
    {
        if (tokens.isEmpty())
        {
            return TokenGrant.OPEN;
        }
        if (null != saved.grantId)
        {
            for (final TokenGrant grant : tokens)
            {
                if (grant.id.equals(saved.grantId) && (version < JournalCodec.VERSION ||
                    GrantProof.matches(saved.grantProof, grant, saved.id, saved.address)))
                {
                    return grant;
                }
            }
        }
        return null;
    }
}
