package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The registry's durable state as an append-only journal (format: {@link JournalCodec}; file and restore rule:
 * {@link JournalFile}; what is restored: {@link JournalRestore}), compacted to the current state by write-then-rename.
 * <p>
 * Each change is one record, written with one positional write before the reply to the request that caused it.
 * Writes go to the page cache, which survives the process, so no fsync is needed for a {@code kill -9}. The journal
 * lives next to the regions (by default in the shm directory), so it shares their lifetime: both survive a daemon
 * crash, both go with a reboot, and there is nothing to back up. It knows the registry only as the
 * {@link DurableState} a compaction writes out, passed in at each compaction.
 */
final class StateJournal implements RegistryJournal
{
    private static final Logger LOG = LoggerFactory.getLogger(StateJournal.class);

    static final String FILE_NAME = JournalFile.FILE_NAME;
    static final String DAMAGED_SUFFIX = JournalFile.DAMAGED_SUFFIX;
    private static final int MIN_COMPACT_RECORDS = 10_000;

    private final ByteBuffer record = ByteBuffer.allocateDirect(JournalCodec.MAX_RECORD);
    private final JournalCodec codec = new JournalCodec();
    private final JournalFile file;
    private long recordsSinceCompaction;
    private boolean suspended;
    private boolean compacting;

    private StateJournal(final Path stateDir)
    {
        this.file = new JournalFile(stateDir, codec);
    }

    static StateJournal open(final Path stateDir)
    {
        return new StateJournal(stateDir);
    }

    Path path()
    {
        return file.path();
    }

    /** Reads the saved state (see {@link JournalFile#read}). */
    JournalReplay read() throws IOException, JournalFile.UnknownVersionException
    {
        final JournalReplay replay = new JournalReplay();
        file.read(replay);
        return replay;
    }

    /** While suspended (a restore re-creating what the journal already says) nothing is written. */
    void suspend(final boolean suspend)
    {
        this.suspended = suspend;
    }

    /**
     * Rewrites the journal as {@code state} alone. If that fails, the old journal stays in use and nothing is lost.
     */
    @Override
    public void compact(final DurableState state) throws IOException
    {
        // The records written here go through write() too; without this guard each would count toward the next.
        compacting = true;
        try
        {
            file.replace(target ->
            {
                for (final Region region : state.regions())
                {
                    target.append(codec.regionCreated(record, region));
                }
                for (final Session session : state.sessions())
                {
                    target.append(codec.sessionStarted(record, session));
                    target.append(codec.sessionUpdated(record, session));
                    for (final Region region : session.holds)
                    {
                        target.append(codec.holdAdded(record, session, region));
                    }
                }
            });
        }
        finally
        {
            compacting = false;
        }
        recordsSinceCompaction = 0;
    }

    /** Compacts if enough records have piled up; called when no change is half made. */
    @Override
    public void checkpoint(final DurableState state)
    {
        // Never mid-change: a record may be the first of a change the registry has not finished making, and a
        // snapshot taken then would miss it. The conductor checkpoints between requests.
        if (recordsSinceCompaction > MIN_COMPACT_RECORDS &&
            recordsSinceCompaction > 4L * (state.regions().size() + state.sessions().size()))
        {
            try
            {
                compact(state);
            }
            catch (final IOException | RuntimeException ex)
            {
                LOG.error("cannot compact state journal {} (the old one stays in use): {}", path(), ex.toString());
            }
        }
    }

    @Override
    public void regionCreated(final Region region)
    {
        write(codec.regionCreated(record, region));
    }

    @Override
    public void regionRemoved(final Region region)
    {
        write(codec.regionRemoved(record, region));
    }

    @Override
    public void sessionStarted(final Session session)
    {
        write(codec.sessionStarted(record, session));
    }

    @Override
    public void sessionUpdated(final Session session)
    {
        write(codec.sessionUpdated(record, session));
    }

    @Override
    public void sessionEnded(final Session session)
    {
        write(codec.sessionEnded(record, session));
    }

    @Override
    public void holdAdded(final Session session, final Region region)
    {
        write(codec.holdAdded(record, session, region));
    }

    @Override
    public void holdRemoved(final Session session, final Region region)
    {
        write(codec.holdRemoved(record, session, region));
    }

    private void write(final ByteBuffer encoded)
    {
        if (suspended || compacting || !file.isOpen())
        {
            return; // a restore, a compaction, or before the first compaction: the state is written whole then
        }
        try
        {
            file.append(encoded);
            recordsSinceCompaction++;
        }
        catch (final IOException ex)
        {
            // The daemon keeps serving; a restart would miss this change. Say so loudly.
            LOG.error("cannot write state journal {}: {}", path(), ex.toString());
        }
    }

    @Override
    public void close()
    {
        file.close();
    }
}
