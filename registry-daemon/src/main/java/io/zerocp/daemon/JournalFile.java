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
import java.nio.file.StandardOpenOption;

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
 */
final class JournalFile implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(StateJournal.class);

    static final String FILE_NAME = "registry.journal";
    static final String DAMAGED_SUFFIX = ".damaged";
    static final String TEMP_SUFFIX = ".tmp";

    /** Writes the records of a whole new journal. */
    interface Contents
    {
        void writeTo(JournalFile target) throws IOException;
    }

    private final Path path;
    private final JournalCodec codec;
    private final ByteBuffer header = ByteBuffer.allocateDirect(JournalCodec.FILE_HEADER);
    private FileChannel channel;
    private long position;

    JournalFile(final Path stateDir, final JournalCodec codec)
    {
        this.path = stateDir.resolve(FILE_NAME);
        this.codec = codec;
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
        if (!Files.exists(path))
        {
            return;
        }
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long size = in.size();
            final long start = readHeader(in, size, replay);
            if (start < 0)
            {
                LOG.warn("state journal {}: its header is cut short ({} byte(s)); ignoring it (a crash mid-write)",
                    path, size);
                in.truncate(0);
                return;
            }
            readRecords(in, start, size, replay);
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
        if (version != JournalCodec.VERSION)
        {
            throw new UnknownVersionException("state journal " + path + " is format version " + version + ", and " +
                "this zerocpd reads versions 0 to " + JournalCodec.VERSION + "; start the zerocpd that wrote it, or " +
                "move the file away to start with no saved state");
        }
        replay.version = version;
        return JournalCodec.FILE_HEADER;
    }

    private void readRecords(final FileChannel in, final long start, final long size, final JournalReplay replay)
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
                // disk can (the size grew, the data did not land): at the very end it is still a torn tail.
                tornTail = offset + JournalCodec.RECORD_HEADER + length == size;
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
            return;
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
        in.truncate(offset);
    }

    private static void readFully(final FileChannel in, final ByteBuffer into, final long offset) throws IOException
    {
        while (into.hasRemaining() && in.read(into, offset + into.position()) > 0)
        {
            // read fully
        }
    }

    /** Whether a journal file is open for appending (after the first {@link #replace}). */
    boolean isOpen()
    {
        return null != channel && channel.isOpen();
    }

    /** Appends one whole record (as the codec made it). */
    void append(final ByteBuffer record) throws IOException
    {
        if (null == channel)
        {
            throw new IOException("state journal " + path + " is not open");
        }
        while (record.hasRemaining())
        {
            position += channel.write(record, position);
        }
    }

    /**
     * Replaces the file by one holding the header and what {@code contents} appends: written to a temporary file,
     * forced, then renamed over the old one. If anything fails the temporary file is removed and the old journal
     * stays in use, unchanged.
     */
    void replace(final Contents contents) throws IOException
    {
        final Path temp = path.resolveSibling(FILE_NAME + TEMP_SUFFIX);
        final FileChannel previous = channel;
        final long previousPosition = position;
        try
        {
            channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
            position = 0;
            append(JournalCodec.fileHeader(header));
            contents.writeTo(this);
            channel.force(true);
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException | RuntimeException ex)
        {
            if (channel != previous)
            {
                CloseHelper.quietClose(channel);
            }
            channel = previous;
            position = previousPosition;
            Files.deleteIfExists(temp);
            throw ex;
        }
        CloseHelper.quietClose(previous);
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
