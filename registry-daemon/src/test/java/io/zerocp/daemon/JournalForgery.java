package io.zerocp.daemon;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes what someone who could write the journal would add: a session at an address of their choice, claiming a
 * token id and carrying bytes of their choice where the codec keeps its grant proof (a hash in versions 0 and 1),
 * laid out as {@link JournalCodec} lays its records and with valid checksums.
 */
final class JournalForgery
{
    private JournalForgery()
    {
    }

    /** @return {@code journal} (version 1 or later, with a header) with the two records after its last valid one. */
    static byte[] withSession(final byte[] journal, final long sessionId, final byte[] address,
        final boolean isAbstract, final String grantId, final byte[] proof)
    {
        final ByteBuffer b = ByteBuffer.wrap(journal);
        int end = JournalCodec.FILE_HEADER;
        while (end + JournalCodec.RECORD_HEADER <= journal.length && b.getInt(end) != 0)
        {
            end += JournalCodec.RECORD_HEADER + b.getInt(end);
        }
        final ByteBuffer started = ByteBuffer.allocate(1 + 8 + 1 + 2 + address.length + 8);
        started.put((byte)3).putLong(sessionId).put((byte)(isAbstract ? 1 : 0)).putShort((short)address.length)
            .put(address).putLong(System.currentTimeMillis());
        final byte[] grant = grantId.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer updated = ByteBuffer.allocate(1 + 8 + 8 + 8 + 2 + grant.length + 2 + proof.length);
        updated.put((byte)4).putLong(sessionId).putLong(0).putLong(0).putShort((short)grant.length).put(grant)
            .putShort((short)proof.length).put(proof);
        final ByteBuffer out = ByteBuffer.wrap(Arrays.copyOf(journal,
            Math.max(journal.length, end + 2 * JournalCodec.RECORD_HEADER + started.capacity() + updated.capacity())));
        out.position(end);
        for (final ByteBuffer payload : List.of(started.flip(), updated.flip()))
        {
            final CRC32C crc = new CRC32C();
            crc.update(payload.duplicate());
            out.putInt(payload.remaining()).putInt((int)crc.getValue()).put(payload);
        }
        return out.array();
    }
}
