package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The journal's file: reading it back under the restore rule, appending records, and replacing it whole
 * (write-then-rename). Knows records only as length, checksum and bytes; what they mean is {@link JournalCodec}'s.
 * <p>
 * <b>The restore rule.</b> The journal is trusted up to the first record that is not whole and valid (header cut
 * short, length out of range or past the end of the file, checksum mismatch, or a payload that does not parse);
 * that record and everything after it are ignored and the file is cut there. A {@code kill -9} can only cut the
 * last record short ("torn tail", a warning). A bad record with more bytes after it cannot come from a crash (a bit
 * flip, a foreign writer), and records after it cannot be trusted either, since their length fields are what finds
 * the next record: an error, and the damaged file is kept as {@code registry.journal.damaged}. A header with the
 * magic but a version this daemon does not know is refused ({@link UnknownVersionException}): nothing is cut.
 * <p>
 * <b>The reserve.</b> A full filesystem must never cost a change that was answered OK, so the journal owns its
 * space ahead of time: the file is {@code journal-reserve-bytes} long, written with zeros once (tmpfs allocates a
 * page when it is first written, so a later write into it cannot fail with ENOSPC), and records overwrite the zeros.
 * A record length of 0 followed by nothing but zeros is the clean end. Compaction writes the snapshot into a second
 * file of the same size, {@code registry.journal.spare}, kept zero-filled beside it, and renames it over the
 * journal; the old journal's pages then become the next spare. So neither appending nor compacting ever needs more
 * than the two reserves. When no spare can be made (the filesystem filled before it existed), the journal keeps
 * appending into what it already has, and compaction waits.
 */
final class JournalFile implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(StateJournal.class);

    static final String FILE_NAME = "registry.journal";
    static final String DAMAGED_SUFFIX = ".damaged";
    static final String TEMP_SUFFIX = ".tmp";
    static final String SPARE_SUFFIX = ".spare";
    private static final int ZERO_CHUNK = 64 * 1024;

    /** Writes the records of a whole new journal. */
    interface Contents
    {
        void writeTo(JournalFile target) throws IOException;
    }

    private final Path path;
    private final Path sparePath;
    private final JournalCodec codec;
    private final long reserveBytes;
    private final ByteBuffer header = ByteBuffer.allocateDirect(JournalCodec.FILE_HEADER);
    private final ZeroFill zeros = new ZeroFill(ZERO_CHUNK);
    private FileChannel channel;
    /** Where the next record goes: the end of the valid records. */
    private long position;
    /** How far records may go: the bytes the open file has allocated. */
    private long limit;
    /** The end of the valid records found by {@link #read}, before the first compaction. */
    private long readEnd = -1;

    JournalFile(final Path stateDir, final JournalCodec codec, final long reserveBytes)
    {
        this.path = stateDir.resolve(FILE_NAME);
        this.sparePath = stateDir.resolve(FILE_NAME + SPARE_SUFFIX);
        this.codec = codec;
        this.reserveBytes = reserveBytes;
    }

    Path path()
    {
        return path;
    }

    /**
     * Reads the file (if any) into {@code replay} under the restore rule, cutting it after its last valid record.
     *
     * @throws UnknownVersionException when the file says it is of a version this daemon cannot read.
     */
    void read(final JournalReplay replay) throws IOException, UnknownVersionException
    {
        // Left by a daemon before the reserve (it compacted through a temporary file): never part of the state.
        Files.deleteIfExists(path.resolveSibling(FILE_NAME + TEMP_SUFFIX));
        // Never through a link, and only the daemon's own private file: a journal decides regions and rights.
        final FileChannel opened = OwnFiles.open(path, false);
        if (null == opened)
        {
            return;
        }
        try (FileChannel in = opened)
        {
            final long size = in.size();
            final long start = readHeader(in, size, replay);
            if (start < 0)
            {
                LOG.warn("state journal {}: its header is cut short ({} byte(s)); ignoring it (a crash mid-write)",
                    path, size);
                readEnd = 0;
                return;
            }
            readEnd = readRecords(in, start, size, replay);
        }
    }

    /** @return where the records start (0 for version 0, which has no header), or -1 for a header cut short. */
    private long readHeader(final FileChannel in, final long size, final JournalReplay replay)
        throws IOException, UnknownVersionException
    {
        final ByteBuffer head = ByteBuffer.allocate(JournalCodec.FILE_HEADER);
        readFully(in, head, 0);
        head.flip();
        if (head.remaining() < 4)
        {
            return size == 0 ? 0 : -1;
        }
        if (head.getInt(0) != JournalCodec.MAGIC)
        {
            replay.version = 0;
            return 0;
        }
        if (head.remaining() < JournalCodec.FILE_HEADER)
        {
            return -1;
        }
        final int version = head.getInt(4);
        if (version < JournalCodec.FIRST_HEADER_VERSION || version > JournalCodec.VERSION)
        {
            throw new UnknownVersionException("state journal " + path + " is format version " + version + ", and " +
                "this zerocpd reads versions 0 to " + JournalCodec.VERSION + "; start the zerocpd that wrote it, or " +
                "move the file away to start with no saved state");
        }
        replay.version = version;
        return JournalCodec.FILE_HEADER;
    }

    /** @return the end of the last valid record. */
    private long readRecords(final FileChannel in, final long start, final long size, final JournalReplay replay)
        throws IOException
    {
        final ByteBuffer recordHeader = ByteBuffer.allocate(JournalCodec.RECORD_HEADER);
        long offset = start;
        String problem = null;
        boolean tornTail = false;
        while (offset < size)
        {
            recordHeader.clear();
            readFully(in, recordHeader, offset);
            if (recordHeader.hasRemaining())
            {
                problem = "record header cut short";
                tornTail = true;
                break;
            }
            recordHeader.flip();
            final int length = recordHeader.getInt();
            final int checksum = recordHeader.getInt();
            if (length == 0 && checksum == 0 && isZeroFrom(in, offset, size))
            {
                return offset; // the clean end: the rest is reserve
            }
            if (length <= 0 || length > JournalCodec.MAX_RECORD)
            {
                problem = "record length " + length + " out of range";
                break;
            }
            if (offset + JournalCodec.RECORD_HEADER + length > size)
            {
                problem = "record of " + length + " byte(s) runs past the end of the file";
                tornTail = true;
                break;
            }
            final ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(in, payload, offset + JournalCodec.RECORD_HEADER);
            payload.flip();
            if (!codec.checks(payload, checksum))
            {
                problem = "checksum mismatch";
                // A kill -9 cannot leave a whole-length record with wrong bytes on tmpfs, but a power cut on a
                // disk can (the size grew, the data did not land): with only reserve after it, a torn tail.
                tornTail = isZeroFrom(in, offset + JournalCodec.RECORD_HEADER + length, size);
                break;
            }
            try
            {
                JournalCodec.decode(payload, replay);
            }
            catch (final RuntimeException ex)
            {
                problem = "unreadable record (" + ex + ")";
                break;
            }
            offset += JournalCodec.RECORD_HEADER + length;
        }
        if (null == problem)
        {
            return offset;
        }
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
        return offset;
    }

    private boolean isZeroFrom(final FileChannel in, final long from, final long size) throws IOException
    {
        long offset = from;
        final ByteBuffer chunk = ByteBuffer.allocate(ZERO_CHUNK);
        while (offset < size)
        {
            chunk.clear().limit((int)Math.min(ZERO_CHUNK, size - offset));
            readFully(in, chunk, offset);
            chunk.flip();
            while (chunk.hasRemaining())
            {
                if (chunk.get() != 0)
                {
                    return false;
                }
            }
            offset += chunk.limit();
        }
        return true;
    }

    private static void readFully(final FileChannel in, final ByteBuffer into, final long offset) throws IOException
    {
        while (into.hasRemaining() && in.read(into, offset + into.position()) > 0)
        {
            // read fully
        }
    }

    /** Whether a journal file is open for appending. */
    boolean isOpen()
    {
        return null != channel && channel.isOpen();
    }

    /** @return whether {@code bytes} more fit in the space the journal has (always true only after a compaction). */
    boolean hasRoom(final long bytes)
    {
        return isOpen() && position + bytes <= limit;
    }

    /** @return the bytes of valid records (header included); what a {@code kill -9} now would leave. */
    long dataLength()
    {
        return position;
    }

    /** @return the bytes the open file may hold. */
    long limit()
    {
        return limit;
    }

    /**
     * Appends one whole record (as the codec made it) into the reserve.
     *
     * @return {@code false} when it does not fit (nothing was written).
     */
    boolean append(final ByteBuffer record) throws IOException
    {
        if (!hasRoom(record.remaining()))
        {
            return false;
        }
        while (record.hasRemaining())
        {
            position += channel.write(record, position);
        }
        return true;
    }

    /** Appends a record of a compaction; the snapshot must fit the reserve whole. */
    void appendWhole(final ByteBuffer record) throws IOException
    {
        if (!append(record))
        {
            throw new IOException("the state does not fit in journal-reserve-bytes (" + reserveBytes + ")");
        }
    }

    /**
     * Replaces the journal by one holding the header and what {@code contents} appends: written into the spare
     * (made first if missing), forced, then renamed over the journal, whose pages make the next spare. If anything
     * fails the journal in use stays as it was.
     *
     * @throws IOException when there is no room for the spare, or the contents do not fit the reserve.
     */
    void replace(final Contents contents) throws IOException
    {
        final FileChannel spare = openSpare();
        final FileChannel previous = channel;
        final long previousPosition = position;
        final long previousLimit = limit;
        try
        {
            channel = spare;
            position = 0;
            limit = reserveBytes;
            appendWhole(JournalCodec.fileHeader(header));
            contents.writeTo(this);
            fillZeros(spare, position, reserveBytes); // the rest of the old contents: so the end reads as clean
            spare.force(true);
            Files.move(sparePath, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(spare);
            channel = previous;
            position = previousPosition;
            limit = previousLimit;
            throw ex;
        }
        CloseHelper.quietClose(previous); // the old journal's pages are free now: the next spare takes them
        readEnd = -1;
        makeSpareQuietly();
    }

    /**
     * Starts appending to the journal as {@link #read} left it, without a compaction (there was no room for the
     * spare): after its last valid record, within the bytes it already has. Bytes after that record are zeroed.
     */
    void continueWithoutCompaction() throws IOException
    {
        final FileChannel active = OwnFiles.open(path, true);
        try
        {
            final long size = active.size();
            long end = Math.max(0, readEnd);
            if (end == 0 && size >= JournalCodec.FILE_HEADER)
            {
                active.write(JournalCodec.fileHeader(header), 0);
                end = JournalCodec.FILE_HEADER;
            }
            fillZeros(active, end, size);
            CloseHelper.quietClose(channel);
            channel = active;
            position = end;
            limit = size;
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(active);
            throw ex;
        }
    }

    private FileChannel openSpare() throws IOException
    {
        final FileChannel spare = OwnFiles.open(sparePath, true); // a foreign file there is refused, not removed
        try
        {
            final long size = spare.size();
            if (size < reserveBytes)
            {
                fillZeros(spare, size, reserveBytes);
            }
            else if (size > reserveBytes)
            {
                spare.truncate(reserveBytes);
            }
            return spare;
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(spare);
            // A spare cut short by ENOSPC is useless and holds pages others may need.
            Files.deleteIfExists(sparePath);
            throw new IOException("no room for the journal's spare (" + reserveBytes + " bytes) in " +
                sparePath.getParent() + ": " + ex.getMessage(), ex);
        }
    }

    private void makeSpareQuietly()
    {
        try
        {
            CloseHelper.quietClose(openSpare());
        }
        catch (final IOException ex)
        {
            LOG.warn("{}; the next compaction waits until there is room", ex.getMessage());
        }
    }

    private void fillZeros(final FileChannel target, final long from, final long to) throws IOException
    {
        zeros.fill(target, from, to);
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(channel);
    }

    /** The journal is of a format version this daemon cannot read. */
    static final class UnknownVersionException extends Exception
    {
        UnknownVersionException(final String message)
        {
            super(message, null, false, false);
        }
    }
}
