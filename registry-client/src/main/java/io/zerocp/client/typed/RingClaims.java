package io.zerocp.client.typed;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Claims, commits and unblocks over Agrona's ring layout (same record header, trailer and padding, so Agrona and
 * Aeron's C rings read it), with every change of a record header made by one 64-bit CAS of the whole header
 * (int32 length, low half; int32 type, high half):
 * <ul>
 *   <li>a producer claims by moving the tail (CAS, as Agrona), then CASes the header from 0 to
 *   {@code (type, -length)};</li>
 *   <li>it commits with a CAS from {@code (type, -length)} to {@code (type, length)}, aborts with one to
 *   {@code (padding, length)}, after checking the head has not passed its record;</li>
 *   <li>the consumer unblocks a stuck record with a CAS from {@code (type, -length)} to {@code (padding, length)}, or a
 *   never-written header with a CAS from 0 to {@code (padding, gap)}.</li>
 * </ul>
 * <b>Why.</b> Agrona writes these headers with plain stores, so a producer stalled past the consumer's unblock
 * timeout and then committing either threw Agrona's "claimed space previously committed" or, inside {@code write},
 * stored its length over the padding the consumer had already passed and returned {@code true} for a message
 * nobody would read. With CAS on both sides exactly one of producer and consumer wins each record: the producer
 * that loses learns it ({@link ClaimUnblockedException}, or {@code write} claims again), the consumer that loses
 * finds a committed message. The one case left: a producer thread descheduled between its head check and its
 * commit CAS (two adjacent instructions) for as long as it takes the consumer to unblock and consume the record and
 * the other producers to write a whole ring's worth and claim the same offset with the same type and length; its
 * CAS would then commit that other claim. A stall in the middle of copying a message body, longer than the unblock
 * timeout, can likewise land bytes in space the ring has reused: set the unblock timeout above any stall you accept.
 * <p>
 * Thread-safe (many producers, one consumer), as Agrona's many-to-one ring.
 */
final class RingClaims
{
    /** {@link #claim} found no room. */
    static final long NO_ROOM = -2;

    private static final int HEADER = RecordDescriptor.HEADER_LENGTH;
    private static final int ALIGNMENT = RecordDescriptor.ALIGNMENT;
    /** Claims retried when the consumer padded our space before our header went in (or it held garbage). */
    private static final int CLAIM_ATTEMPTS = 16;

    private final AtomicBuffer buffer;
    private final String name;
    private final int capacity;
    private final int mask;
    private final int maxMessageLength;
    private final int tailIndex;
    private final int headCacheIndex;
    private final int headIndex;

    RingClaims(final AtomicBuffer buffer, final String name)
    {
        this.buffer = buffer;
        this.name = name;
        this.capacity = buffer.capacity() - RingBufferDescriptor.TRAILER_LENGTH;
        this.mask = capacity - 1;
        this.maxMessageLength = capacity >> 3;
        this.tailIndex = capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
        this.headCacheIndex = capacity + RingBufferDescriptor.HEAD_CACHE_POSITION_OFFSET;
        this.headIndex = capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
    }

    static long header(final int type, final int length)
    {
        return ((long)type << 32) | (length & 0xFFFF_FFFFL);
    }

    /**
     * Claims room for a message of {@code length} bytes and writes its claimed header.
     *
     * @return the record's position (its offset in the buffer is {@code position & (capacity - 1)}), or
     * {@link #NO_ROOM}.
     */
    long claim(final int type, final int length)
    {
        if (type < 1)
        {
            throw new IllegalArgumentException("message type id must be greater than zero, was " + type);
        }
        if (length < 0 || length > maxMessageLength)
        {
            throw new IllegalArgumentException("message length " + length + " outside [0, " + maxMessageLength + "]");
        }
        final int recordLength = length + HEADER;
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++)
        {
            final long position = claimCapacity(BitUtil.align(recordLength, ALIGNMENT));
            if (NO_ROOM == position)
            {
                return NO_ROOM;
            }
            if (buffer.compareAndSetLong((int)position & mask, 0, header(type, -recordLength)))
            {
                return position;
            }
            // The consumer unblocked this space before our header went in: it is padding now; claim anew.
        }
        throw new CorruptRegionException(name, "claimed space in the ring was not zero " + CLAIM_ATTEMPTS +
            " times running", false);
    }

    /** Agrona's many-to-one capacity claim (CAS on the tail), writing the end-of-buffer padding with a CAS too. */
    private long claimCapacity(final int required)
    {
        long head = buffer.getLongVolatile(headCacheIndex);
        long tail;
        long newTail;
        long result;
        int padding;
        do
        {
            tail = buffer.getLongVolatile(tailIndex);
            if (required > capacity - (int)(tail - head))
            {
                head = buffer.getLongVolatile(headIndex);
                if (required > capacity - (int)(tail - head))
                {
                    return NO_ROOM;
                }
                buffer.putLongRelease(headCacheIndex, head);
            }
            newTail = tail + required;
            result = tail;
            padding = 0;
            final int toBufferEnd = capacity - ((int)tail & mask);
            if (required > toBufferEnd)
            {
                int headOffset = (int)head & mask;
                if (required > headOffset)
                {
                    head = buffer.getLongVolatile(headIndex);
                    headOffset = (int)head & mask;
                    if (required > headOffset)
                    {
                        result = NO_ROOM;
                        newTail = tail;
                    }
                    buffer.putLongRelease(headCacheIndex, head);
                }
                padding = toBufferEnd;
                newTail += padding;
                if (NO_ROOM != result)
                {
                    result = tail + padding;
                }
            }
        }
        while (!buffer.compareAndSetLong(tailIndex, tail, newTail));
        if (0 != padding)
        {
            // Fails only when the consumer padded it already, with the same padding.
            buffer.compareAndSetLong((int)tail & mask, 0, header(RingBuffer.PADDING_MSG_TYPE_ID, padding));
        }
        return result;
    }

    /**
     * Commits (or aborts) the claim at {@code position}.
     *
     * @return {@code false} when the consumer unblocked it first (the message is discarded).
     */
    boolean finish(final long position, final boolean commit)
    {
        final int record = (int)position & mask;
        final long header = buffer.getLongVolatile(record);
        final int length = (int)header;
        if (length >= 0 || buffer.getLongVolatile(headIndex) > position)
        {
            return false;
        }
        final long done = commit ? header(
            (int)(header >>> 32), -length) : header(RingBuffer.PADDING_MSG_TYPE_ID, -length);
        return buffer.compareAndSetLong(record, header, done);
    }

    /** @return the offset in the buffer where the message bytes of the record at {@code position} go. */
    int messageOffset(final long position)
    {
        return ((int)position & mask) + HEADER;
    }

    /**
     * Agrona's {@code ManyToOneRingBuffer.unblock()} with CAS: turns the record at the head, claimed and never
     * committed, or never even given a header, into padding.
     *
     * @return whether it did.
     */
    boolean unblock()
    {
        final long head = buffer.getLongVolatile(headIndex);
        final long tail = buffer.getLongVolatile(tailIndex);
        if (head == tail)
        {
            return false;
        }
        final int consumerIndex = (int)head & mask;
        final int producerIndex = (int)tail & mask;
        final long header = buffer.getLongVolatile(consumerIndex);
        final int length = (int)header;
        if (length < 0)
        {
            return buffer.compareAndSetLong(consumerIndex, header,
                header(RingBuffer.PADDING_MSG_TYPE_ID, -length));
        }
        if (0 != header)
        {
            return false;
        }
        final int limit = producerIndex > consumerIndex ? producerIndex : capacity;
        for (int i = consumerIndex + ALIGNMENT; i < limit; i += ALIGNMENT)
        {
            if (0 != buffer.getIntVolatile(i))
            {
                return stillZero(consumerIndex, i) &&
                    buffer.compareAndSetLong(consumerIndex, 0, header(RingBuffer.PADDING_MSG_TYPE_ID,
                    i - consumerIndex));
            }
        }
        return false;
    }

    private boolean stillZero(final int from, final int to)
    {
        for (int i = to - ALIGNMENT; i >= from; i -= ALIGNMENT)
        {
            if (0 != buffer.getIntVolatile(i))
            {
                return false;
            }
        }
        return true;
    }
}
