package io.zerocp.daemon;

import io.zerocp.api.RegionNames;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * An append-only journal of the registry's durable state (regions, sessions, holds), compacted by write-then-rename.
 * <p>
 * Each record is {@code [int length][int crc32c][payload]}, written with one positional write before the reply to
 * the request that caused it. Writes go to the page cache, which survives the process, so no fsync is needed for a
 * {@code kill -9}. The journal lives next to the regions (by default in the shm directory), so it shares their
 * lifetime: both survive a daemon crash, both go with a reboot, and there is nothing to back up.
 * <p>
 * <b>The restore rule.</b> The journal is trusted up to the first record that is not whole and valid (header cut
 * short, length out of range or past the end of the file, checksum mismatch, or a payload that does not parse);
 * that record and everything after it are ignored and the file is cut there. The state is what the valid prefix
 * says. A {@code kill -9} can only cut the last record short ("torn tail", logged as a warning). A bad record with
 * more bytes after it cannot come from a crash (a bit flip, a foreign writer); records after it cannot be trusted
 * either, since their length fields are what finds the next record. It is logged as an error and the damaged file
 * is kept as {@code registry.journal.damaged} for inspection. What the lost records described is then handled by
 * the other rules: region files they created stay on disk untouched and are listed at start as untracked; clients
 * whose session was lost re-register and re-take their holds by themselves.
 * <p>
 * What is restored: regions whose file is still there with the recorded size (a region journaled but whose file is
 * short and was never held is a creation cut short by a crash, and is completed); sessions whose registered process
 * is still alive (same pid and start time; those whose process died while the daemon was down end at once and
 * their holds go), or that never named a process; both with a fresh lease; their holds on restored regions; and
 * their token grant, looked up by token id in the current config (a token that is gone leaves the session
 * unauthenticated; with authentication off every session gets the open grant).
 */
final class StateJournal implements RegistryJournal
{
    private static final Logger LOG = LoggerFactory.getLogger(StateJournal.class);

    static final String FILE_NAME = "registry.journal";
    private static final int MAX_RECORD = 64 * 1024;
    private static final int HEADER = 8;
    private static final int MIN_COMPACT_RECORDS = 10_000;
    static final String DAMAGED_SUFFIX = ".damaged";

    private static final byte REGION = 1;
    private static final byte REGION_REMOVED = 2;
    private static final byte SESSION = 3;
    private static final byte SESSION_UPDATED = 4;
    private static final byte SESSION_ENDED = 5;
    private static final byte HOLD = 6;
    private static final byte HOLD_REMOVED = 7;

    private final Path path;
    private final ByteBuffer record = ByteBuffer.allocateDirect(MAX_RECORD);
    private final CRC32C crc = new CRC32C();
    private FileChannel channel;
    private long position;
    private long recordsSinceCompaction;
    private boolean suspended;
    private boolean compacting;
    private boolean compactionDue;
    private Registry registry;

    private StateJournal(final Path path)
    {
        this.path = path;
    }

    static StateJournal open(final Path stateDir) throws IOException
    {
        return new StateJournal(stateDir.resolve(FILE_NAME));
    }

    Path path()
    {
        return path;
    }

    /**
     * Reads the journal back into {@code registry}: regions whose files are intact, sessions whose process is still
     * alive (or that never named one) with a fresh lease, and their holds. Then writes a compact journal.
     */
    void restoreInto(final Registry registry, final ProcessProbe probe) throws IOException
    {
        this.registry = registry;
        suspended = true;
        final Replay replay = new Replay();
        if (Files.exists(path))
        {
            readInto(replay);
        }

        final Map<String, Region> regions = new HashMap<>();
        for (final SavedRegion saved : replay.regions.values())
        {
            if (!RegionNames.isValid(saved.name) || saved.size <= 0)
            {
                // The checksum held, so this was written as is; never let it name a path outside the shm dir.
                LOG.warn("state journal {}: ignoring region record with invalid name or size ({}, {})", path,
                    saved.name, saved.size);
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

        int restoredSessions = 0;
        int deadSessions = 0;
        final List<Session> ended = new ArrayList<>();
        for (final SavedSession saved : replay.sessions.values())
        {
            final Session session = registry.leases().restore(saved.address, saved.id, saved.startedEpochMs);
            restoredSessions++;
            final TokenGrant grant = grantFor(saved, registry.tokens());
            if (null != grant)
            {
                registry.grant(session, grant);
            }
            else if (null != saved.grantId)
            {
                LOG.info("{}: its token '{}' is no longer configured; it must authenticate again", session,
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
                    ended.add(session);
                }
            }
        }
        for (final Region region : regions.values())
        {
            if (region.isReapable())
            {
                registry.scheduleReap(region);
            }
        }
        suspended = false;
        for (final Session session : ended)
        {
            deadSessions++;
            registry.endSession(session, EndCause.PROCESS_EXIT);
        }
        if (!replay.regions.isEmpty() || !replay.sessions.isEmpty())
        {
            LOG.info("restored {} region(s) and {} session(s) from {}; {} session(s) whose process died while the " +
                "daemon was down were ended", regions.size(), restoredSessions, path, deadSessions);
        }
        compact();
    }

    /**
     * The grant a restored session gets: its token by id and hash (a token re-keyed meanwhile grants nothing), or the
     * open grant when authentication is off.
     */
    private static TokenGrant grantFor(final SavedSession saved, final List<TokenGrant> tokens)
    {
        if (tokens.isEmpty())
        {
            return TokenGrant.OPEN;
        }
        if (null != saved.grantId)
        {
            for (final TokenGrant grant : tokens)
            {
                if (grant.id.equals(saved.grantId) && java.util.Arrays.equals(grant.sha256, saved.grantHash))
                {
                    return grant;
                }
            }
        }
        return null;
    }

    private void readInto(final Replay replay) throws IOException
    {
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long size = in.size();
            final ByteBuffer header = ByteBuffer.allocate(HEADER);
            long offset = 0;
            String problem = null;
            boolean tornTail = false;
            while (offset < size)
            {
                header.clear();
                while (header.hasRemaining() && in.read(header, offset + header.position()) > 0)
                {
                    // read fully
                }
                if (header.hasRemaining())
                {
                    problem = "record header cut short";
                    tornTail = true;
                    break;
                }
                header.flip();
                final int length = header.getInt();
                final int checksum = header.getInt();
                if (length <= 0 || length > MAX_RECORD)
                {
                    problem = "record length " + length + " out of range";
                    break;
                }
                if (offset + HEADER + length > size)
                {
                    problem = "record of " + length + " byte(s) runs past the end of the file";
                    tornTail = true;
                    break;
                }
                final ByteBuffer payload = ByteBuffer.allocate(length);
                while (payload.hasRemaining() && in.read(payload, offset + HEADER + payload.position()) > 0)
                {
                    // read fully
                }
                payload.flip();
                crc.reset();
                crc.update(payload.duplicate());
                if ((int)crc.getValue() != checksum)
                {
                    problem = "checksum mismatch";
                    // A kill -9 cannot leave a whole-length record with wrong bytes on tmpfs, but a power cut on a
                    // disk can (the size grew, the data did not land): at the very end it is still a torn tail.
                    tornTail = offset + HEADER + length == size;
                    break;
                }
                try
                {
                    replay.apply(payload);
                }
                catch (final RuntimeException ex)
                {
                    problem = "unreadable record (" + ex + ")";
                    break;
                }
                offset += HEADER + length;
            }
            if (null != problem)
            {
                if (tornTail)
                {
                    LOG.warn("state journal {}: {} at offset {}; ignoring the last {} byte(s) (a crash mid-write)",
                        path, problem, offset, size - offset);
                }
                else
                {
                    final Path damaged = path.resolveSibling(FILE_NAME + DAMAGED_SUFFIX);
                    Files.copy(path, damaged, StandardCopyOption.REPLACE_EXISTING);
                    LOG.error("state journal {} is damaged: {} at offset {} with {} byte(s) after it. Restoring " +
                        "the state up to that record; changes recorded after it are lost (region files they " +
                        "created are kept and listed as untracked). The damaged file is kept as {}",
                        path, problem, offset, size - offset, damaged);
                }
                in.truncate(offset);
            }
        }
    }

    /**
     * Rewrites the journal as the current state alone: write a new file, then rename it over the old one. If that
     * fails, the old journal stays in use and nothing is lost.
     */
    void compact() throws IOException
    {
        final Path temp = path.resolveSibling(FILE_NAME + ".tmp");
        final FileChannel previous = channel;
        final long previousPosition = position;
        channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
        position = 0;
        // The records written here go through end() too; without this guard each would start another compaction.
        compacting = true;
        try
        {
            for (final Region region : registry.regions())
            {
                regionCreated(region);
            }
            for (final Session session : registry.leases().sessions())
            {
                sessionStarted(session);
                sessionUpdated(session);
                for (final Region region : session.holds)
                {
                    holdAdded(session, region);
                }
            }
            channel.force(true);
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(channel);
            channel = previous;
            position = previousPosition;
            throw ex;
        }
        finally
        {
            compacting = false;
        }
        CloseHelper.quietClose(previous);
        recordsSinceCompaction = 0;
    }

    /** Compacts if enough records have piled up; called when no change is half made. */
    @Override
    public void checkpoint()
    {
        if (compactionDue)
        {
            compactionDue = false;
            try
            {
                compact();
            }
            catch (final IOException | RuntimeException ex)
            {
                LOG.error("cannot compact state journal {} (the old one stays in use): {}", path, ex.toString());
            }
        }
    }

    @Override
    public void regionCreated(final Region region)
    {
        begin(REGION);
        putString(region.name);
        record.putLong(region.size);
        record.put((byte)((region.isStatic ? 1 : 0) | (region.hadHolds ? 2 : 0)));
        record.putLong(region.createdEpochMs);
        end();
    }

    @Override
    public void regionRemoved(final Region region)
    {
        begin(REGION_REMOVED);
        putString(region.name);
        end();
    }

    @Override
    public void sessionStarted(final Session session)
    {
        begin(SESSION);
        record.putLong(session.id);
        record.put((byte)(session.address.isAbstract() ? 1 : 0));
        record.putShort((short)session.address.bytes().length);
        record.put(session.address.bytes());
        record.putLong(session.startedEpochMs);
        end();
    }

    @Override
    public void sessionUpdated(final Session session)
    {
        begin(SESSION_UPDATED);
        record.putLong(session.id);
        record.putLong(session.processId);
        record.putLong(session.processStartTicks);
        putString(null == session.grant ? "" : session.grant.id);
        // The hash too: a token re-keyed under the same id before a restart must not keep the old key's sessions.
        final byte[] hash = null == session.grant || null == session.grant.sha256 ? new byte[0] : session.grant.sha256;
        record.putShort((short)hash.length);
        record.put(hash);
        end();
    }

    @Override
    public void sessionEnded(final Session session)
    {
        begin(SESSION_ENDED);
        record.putLong(session.id);
        end();
    }

    @Override
    public void holdAdded(final Session session, final Region region)
    {
        begin(HOLD);
        record.putLong(session.id);
        putString(region.name);
        end();
    }

    @Override
    public void holdRemoved(final Session session, final Region region)
    {
        begin(HOLD_REMOVED);
        record.putLong(session.id);
        putString(region.name);
        end();
    }

    private void begin(final byte type)
    {
        record.clear();
        record.position(HEADER);
        record.put(type);
    }

    private void putString(final String s)
    {
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        record.putShort((short)bytes.length);
        record.put(bytes);
    }

    private void end()
    {
        if (suspended || null == channel)
        {
            return;
        }
        final int length = record.position() - HEADER;
        record.flip();
        crc.reset();
        crc.update(record.duplicate().position(HEADER));
        record.putInt(0, length);
        record.putInt(4, (int)crc.getValue());
        try
        {
            while (record.hasRemaining())
            {
                position += channel.write(record, position);
            }
            if (!compacting && ++recordsSinceCompaction > MIN_COMPACT_RECORDS &&
                recordsSinceCompaction > 4L * (registry.regionCount() + registry.leases().size()))
            {
                // Not now: this record may be the first of a change the registry has not finished making, and a
                // snapshot taken mid-change would miss it. The conductor calls checkpoint() between requests.
                compactionDue = true;
            }
        }
        catch (final IOException ex)
        {
            if (compacting)
            {
                throw new java.io.UncheckedIOException(ex); // an incomplete snapshot must never replace the journal
            }
            // The daemon keeps serving; a restart would miss this change. Say so loudly.
            LOG.error("cannot write state journal {}: {}", path, ex.toString());
        }
    }

    @Override
    public void close()
    {
        if (null != channel && channel.isOpen())
        {
            try
            {
                compact();
            }
            catch (final IOException ex)
            {
                LOG.warn("cannot compact state journal on close: {}", ex.toString());
            }
            CloseHelper.quietClose(channel);
        }
    }

    private static final class SavedRegion
    {
        String name;
        long size;
        boolean isStatic;
        boolean hadHolds;
        long createdEpochMs;
    }

    private static final class SavedSession
    {
        long id;
        ClientAddress address;
        long startedEpochMs;
        long pid;
        long startTicks;
        String grantId;
        byte[] grantHash;
        final List<String> holds = new ArrayList<>();
    }

    /** The state as the journal describes it so far. */
    private static final class Replay
    {
        final Map<String, SavedRegion> regions = new LinkedHashMap<>();
        final Map<Long, SavedSession> sessions = new LinkedHashMap<>();

        void apply(final ByteBuffer b)
        {
            final byte type = b.get();
            switch (type)
            {
                case REGION:
                {
                    final SavedRegion r = new SavedRegion();
                    r.name = getString(b);
                    r.size = b.getLong();
                    final byte flags = b.get();
                    r.isStatic = 0 != (flags & 1);
                    r.hadHolds = 0 != (flags & 2);
                    r.createdEpochMs = b.getLong();
                    regions.put(r.name, r);
                    break;
                }
                case REGION_REMOVED:
                {
                    final String name = getString(b);
                    regions.remove(name);
                    for (final SavedSession s : sessions.values())
                    {
                        s.holds.remove(name);
                    }
                    break;
                }
                case SESSION:
                {
                    final SavedSession s = new SavedSession();
                    s.id = b.getLong();
                    final boolean isAbstract = b.get() != 0;
                    final byte[] address = new byte[b.getShort()];
                    b.get(address);
                    s.address = new ClientAddress(address, isAbstract);
                    s.startedEpochMs = b.getLong();
                    sessions.put(s.id, s);
                    break;
                }
                case SESSION_UPDATED:
                {
                    final SavedSession s = sessions.get(b.getLong());
                    final long pid = b.getLong();
                    final long ticks = b.getLong();
                    final String grant = getString(b);
                    final byte[] hash = new byte[b.getShort() & 0xFFFF];
                    b.get(hash);
                    if (null != s)
                    {
                        s.pid = pid;
                        s.startTicks = ticks;
                        s.grantId = grant.isEmpty() ? null : grant;
                        s.grantHash = hash;
                    }
                    break;
                }
                case SESSION_ENDED:
                    sessions.remove(b.getLong());
                    break;
                case HOLD:
                {
                    final SavedSession s = sessions.get(b.getLong());
                    final String name = getString(b);
                    final SavedRegion r = regions.get(name);
                    if (null != s && null != r && !s.holds.contains(name))
                    {
                        s.holds.add(name);
                        r.hadHolds = true;
                    }
                    break;
                }
                case HOLD_REMOVED:
                {
                    final SavedSession s = sessions.get(b.getLong());
                    final String name = getString(b);
                    if (null != s)
                    {
                        s.holds.remove(name);
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("unknown record type " + type);
            }
        }

        private static String getString(final ByteBuffer b)
        {
            final byte[] bytes = new byte[b.getShort() & 0xFFFF];
            b.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
