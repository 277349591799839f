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
    /** Room a request must find before it changes anything: well over the few small records one request writes. */
    static final int REQUEST_ROOM = 4096;
    /** After a compaction failed with no change since, refused requests before trying again anyway. */
    private static final int RETRY_AFTER_REFUSALS = 256;

    private final ByteBuffer record = ByteBuffer.allocateDirect(JournalCodec.MAX_RECORD);
    private final JournalCodec codec = new JournalCodec();
    private final JournalFile file;
    private long recordsSinceCompaction;
    /** Whether anything was written (or failed to be) since the last compaction attempt. */
    private boolean changedSinceAttempt = true;
    private boolean lastAttemptFailed;
    private int refusalsSinceAttempt;
    /** Compact once the valid records reach this length (half of what was left free after the last compaction). */
    private long compactAtLength;
    private long failures;
    private boolean suspended;
    private boolean compacting;
    private String lastProblem;

    private StateJournal(final Path stateDir, final long reserveBytes)
    {
        this.file = new JournalFile(stateDir, codec, reserveBytes);
    }

    /** @param reserveBytes the size of the journal file and of its spare, allocated ahead ({@link JournalFile}). */
    static StateJournal open(final Path stateDir, final long reserveBytes)
    {
        return new StateJournal(stateDir, reserveBytes);
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
                    target.appendWhole(codec.regionCreated(record, region));
                }
                for (final Region region : state.regionsBeingMade())
                {
                    target.appendWhole(codec.regionCreated(record, region));
                }
                for (final Session session : state.sessions())
                {
                    target.appendWhole(codec.sessionStarted(record, session));
                    target.appendWhole(codec.sessionUpdated(record, session));
                    for (final Region region : session.holds)
                    {
                        target.appendWhole(codec.holdAdded(record, session, region));
                    }
                }
            });
        }
        finally
        {
            compacting = false;
        }
        recordsSinceCompaction = 0;
        final long free = file.limit() - file.dataLength();
        compactAtLength = file.dataLength() + Math.max(free / 2, REQUEST_ROOM);
        if (null != lastProblem)
        {
            LOG.info("state journal {} has room again", path());
            lastProblem = null;
        }
    }

    /**
     * Starts on the journal as read, when the start-up compaction found no room: appends go into the space the file
     * already has, and compaction is tried again later.
     */
    void continueWithoutCompaction() throws IOException
    {
        file.continueWithoutCompaction();
    }

    /**
     * Whether a request may change the state now: the journal has {@link #REQUEST_ROOM} left, compacting to
     * {@code state} first if needed (the caller is between changes).
     */
    @Override
    public boolean hasRoomForChange(final DurableState state)
    {
        if (file.hasRoom(REQUEST_ROOM))
        {
            return true;
        }
        // A compaction of the same state gives the same result, so a flood of refused requests costs no compactions;
        // only a failed one is tried again now and then, since space may have been freed meanwhile.
        if (lastAttemptFailed && ++refusalsSinceAttempt >= RETRY_AFTER_REFUSALS)
        {
            changedSinceAttempt = true;
        }
        tryCompact(state);
        return file.hasRoom(REQUEST_ROOM);
    }

    /** Records that could not be written since start (no room, or an I/O error). */
    @Override
    public long failures()
    {
        return failures;
    }

    long dataLength()
    {
        return file.dataLength();
    }

    private void tryCompact(final DurableState state)
    {
        if (!changedSinceAttempt)
        {
            return;
        }
        changedSinceAttempt = false;
        refusalsSinceAttempt = 0;
        try
        {
            compact(state);
            lastAttemptFailed = false;
        }
        catch (final IOException | RuntimeException ex)
        {
            lastAttemptFailed = true;
            problem("cannot compact state journal " + path() + " (the one in use stays): " + ex.getMessage() +
                "; changes that do not fit are refused with ERROR: Not durable");
        }
    }

    /** Logs a problem once, not once per record. */
    private void problem(final String message)
    {
        if (!message.equals(lastProblem))
        {
            LOG.error(message);
            lastProblem = message;
        }
    }

    /** Compacts if enough records have piled up; called when no change is half made. */
    @Override
    public void checkpoint(final DurableState state)
    {
        // Never mid-change: a record may be the first of a change the registry has not finished making, and a
        // snapshot taken then would miss it. The conductor checkpoints between requests.
        final boolean manyRecords = recordsSinceCompaction > MIN_COMPACT_RECORDS &&
            recordsSinceCompaction > 4L * (state.regions().size() + state.sessions().size());
        final boolean filling = file.dataLength() >= compactAtLength || !file.hasRoom(REQUEST_ROOM);
        if (manyRecords || filling)
        {
            tryCompact(state);
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
        if (suspended || compacting)
        {
            return;
        }
        changedSinceAttempt = true; // the state changed: a compaction may fit now
        if (!file.isOpen())
        {
            failures++;
            return;
        }
        try
        {
            if (file.append(encoded))
            {
                recordsSinceCompaction++;
                return;
            }
            failures++;
            problem("state journal " + path() + " is full; a change was not recorded (the next compaction writes " +
                "the whole state, and requests are refused with ERROR: Not durable until then)");
        }
        catch (final IOException ex)
        {
            // The request in hand is answered ERROR: Not durable (see RequestHandler); a restart would miss this.
            failures++;
            problem("cannot write state journal " + path() + ": " + ex);
        }
    }

    @Override
    public void close()
    {
        file.close();
    }
}
