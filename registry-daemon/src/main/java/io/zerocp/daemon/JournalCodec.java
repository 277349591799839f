package io.zerocp.daemon;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The journal's bytes. A file starts with a header, {@code [int magic "ZCPJ"][int version]}, then holds records
 * {@code [int length][int crc32c][payload]}; a payload is a type byte and that type's fields, big-endian, strings as
 * {@code [short length][UTF-8]}. Version 1 is the first with a header; version 0 is the same records with no header
 * (journals written before versions), told apart because a record's length (at most 64 KiB) can never equal the
 * magic. Version 2 keeps the same layout but carries no token secret: where versions 0 and 1 wrote the token's
 * SHA-256 in a session's update, version 2 writes a {@link GrantProof} (which only the config's hash can make, and
 * which gives nothing back). Restoring a version 0 or 1 journal ignores the stored hash and goes by the token id
 * alone (see {@link JournalRestore}); its first compaction rewrites it as version 2, without the hashes.
 * Stateless apart from its checksum; conductor thread only.
 */
final class JournalCodec
{
    static final int MAGIC = 0x5A43504A; // "ZCPJ"
    static final int VERSION = 2;
    /** The oldest version with a header that this daemon reads (version 0 has none). */
    static final int FIRST_HEADER_VERSION = 1;
    static final int FILE_HEADER = 8;
    static final int RECORD_HEADER = 8;
    static final int MAX_RECORD = 64 * 1024;

    private static final byte REGION = 1;
    private static final byte REGION_REMOVED = 2;
    private static final byte SESSION = 3;
    private static final byte SESSION_UPDATED = 4;
    private static final byte SESSION_ENDED = 5;
    private static final byte HOLD = 6;
    private static final byte HOLD_REMOVED = 7;

    private final CRC32C crc = new CRC32C();

    /** @return the bytes of {@link #regionCreated}'s record of a region whose name takes {@code nameBytes}. */
    static int regionRecordLength(final int nameBytes)
    {
        return RECORD_HEADER + 1 + 2 + nameBytes + 8 + 1 + 8;
    }

    /** @return the bytes of {@link #holdAdded}'s record of a region whose name takes {@code nameBytes}. */
    static int holdRecordLength(final int nameBytes)
    {
        return RECORD_HEADER + 1 + 8 + 2 + nameBytes;
    }

    /**
     * @return the bytes of a session's {@link #sessionStarted} and {@link #sessionUpdated} records, at most (a token
     *         id of 64 bytes and a SHA-256).
     */
    static int sessionRecordsLength(final int addressBytes)
    {
        return RECORD_HEADER + 1 + 8 + 1 + 2 + addressBytes + 8 +
            RECORD_HEADER + 1 + 8 + 8 + 8 + 2 + 64 + 2 + 32;
    }

    /** Writes the file header into {@code b}, flipped for writing. */
    static ByteBuffer fileHeader(final ByteBuffer b)
    {
        b.clear();
        b.putInt(MAGIC).putInt(VERSION);
        return b.flip();
    }

    /** The encoders below each fill {@code record} with one whole record, flipped for writing. */
    ByteBuffer regionCreated(final ByteBuffer record, final Region region)
    {
        begin(record, REGION);
        putString(record, region.name);
        record.putLong(region.size);
        record.put((byte)((region.isStatic ? 1 : 0) | (region.hadHolds ? 2 : 0)));
        record.putLong(region.createdEpochMs);
        return seal(record);
    }

    ByteBuffer regionRemoved(final ByteBuffer record, final Region region)
    {
        begin(record, REGION_REMOVED);
        putString(record, region.name);
        return seal(record);
    }

    ByteBuffer sessionStarted(final ByteBuffer record, final Session session)
    {
        begin(record, SESSION);
        record.putLong(session.id);
        record.put((byte)(session.address.isAbstract() ? 1 : 0));
        record.putShort((short)session.address.bytes().length);
        record.put(session.address.bytes());
        record.putLong(session.startedEpochMs);
        return seal(record);
    }

    ByteBuffer sessionUpdated(final ByteBuffer record, final Session session)
    {
        begin(record, SESSION_UPDATED);
        record.putLong(session.id);
        record.putLong(session.processId);
        record.putLong(session.processStartTicks);
        putString(record, null == session.grant ? "" : session.grant.id);
        // Not the hash (the journal holds no token secret) but a proof only the config's hash can make: a token
        // re-keyed before a restart keeps none of the old key's sessions, and a forged session claims nothing.
        final byte[] proof = GrantProof.of(session.grant, session.id, session.address);
        record.putShort((short)proof.length);
        record.put(proof);
        return seal(record);
    }

    ByteBuffer sessionEnded(final ByteBuffer record, final Session session)
    {
        begin(record, SESSION_ENDED);
        record.putLong(session.id);
        return seal(record);
    }

    ByteBuffer holdAdded(final ByteBuffer record, final Session session, final Region region)
    {
        begin(record, HOLD);
        record.putLong(session.id);
        putString(record, region.name);
        return seal(record);
    }

    ByteBuffer holdRemoved(final ByteBuffer record, final Session session, final Region region)
    {
        begin(record, HOLD_REMOVED);
        record.putLong(session.id);
        putString(record, region.name);
        return seal(record);
    }

    /** @return whether {@code payload}'s checksum is {@code checksum}. */
    boolean checks(final ByteBuffer payload, final int checksum)
    {
        crc.reset();
        crc.update(payload.duplicate());
        return (int)crc.getValue() == checksum;
    }

    /**
     * Applies one record's payload to {@code replay}.
     *
     * @throws RuntimeException when the payload does not parse (an unknown type, fields past its end).
     */
    static void decode(final ByteBuffer b, final JournalReplay replay)
    {
        final byte type = b.get();
        switch (type)
        {
            case REGION:
            {
                final JournalReplay.SavedRegion r = new JournalReplay.SavedRegion();
                r.name = getString(b);
                r.size = b.getLong();
                final byte flags = b.get();
                r.isStatic = 0 != (flags & 1);
                r.hadHolds = 0 != (flags & 2);
                r.createdEpochMs = b.getLong();
                replay.regionCreated(r);
                break;
            }
            case REGION_REMOVED:
                replay.regionRemoved(getString(b));
                break;
            case SESSION:
            {
                final JournalReplay.SavedSession s = new JournalReplay.SavedSession();
                s.id = b.getLong();
                final boolean isAbstract = b.get() != 0;
                final byte[] address = new byte[b.getShort()];
                b.get(address);
                s.address = new ClientAddress(address, isAbstract);
                s.startedEpochMs = b.getLong();
                replay.sessionStarted(s);
                break;
            }
            case SESSION_UPDATED:
            {
                final long id = b.getLong();
                final long pid = b.getLong();
                final long ticks = b.getLong();
                final String grant = getString(b);
                final byte[] proof = new byte[b.getShort() & 0xFFFF]; // a hash in versions 0 and 1
                b.get(proof);
                replay.sessionUpdated(id, pid, ticks, grant, proof);
                break;
            }
            case SESSION_ENDED:
                replay.sessionEnded(b.getLong());
                break;
            case HOLD:
            {
                final long id = b.getLong();
                replay.holdAdded(id, getString(b));
                break;
            }
            case HOLD_REMOVED:
            {
                final long id = b.getLong();
                replay.holdRemoved(id, getString(b));
                break;
            }
            default:
                throw new IllegalStateException("unknown record type " + type);
        }
    }

    private static void begin(final ByteBuffer record, final byte type)
    {
        record.clear();
        record.position(RECORD_HEADER);
        record.put(type);
    }

    private ByteBuffer seal(final ByteBuffer record)
    {
        final int length = record.position() - RECORD_HEADER;
        record.flip();
        crc.reset();
        crc.update(record.duplicate().position(RECORD_HEADER));
        record.putInt(0, length);
        record.putInt(4, (int)crc.getValue());
        return record;
    }

    private static void putString(final ByteBuffer record, final String s)
    {
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        record.putShort((short)bytes.length);
        record.put(bytes);
    }

    private static String getString(final ByteBuffer b)
    {
        final byte[] bytes = new byte[b.getShort() & 0xFFFF];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
