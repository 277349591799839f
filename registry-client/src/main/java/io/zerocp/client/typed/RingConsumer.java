package io.zerocp.client.typed;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import io.zerocp.client.ClientClosedException;

import java.nio.channels.FileLock;

/**
 * The one consumer of a {@link MessageRing}: reads messages in order and unblocks the ring when a producer died in
 * the middle of a write. Holds the ring's consumer role until closed, as a kernel record lock (see
 * {@link RoleLocks}: a {@code kill -9}ed consumer's role is taken over by the next one, in any pid namespace, and a
 * live one's never is). Messages handed to a consumer that dies before its read returns are read again by the next
 * consumer (at-least-once across consumer crashes). Not thread-safe.
 * <p>
 * <b>Shared memory is input.</b> Records are read by this class, not Agrona's {@code read}, so a forged length or
 * type at the head is caught before use; the consumer then skips to the tail, counts the bytes dropped and throws a
 * {@link CorruptRegionException} once, instead of offering the same record for ever.
 */
public final class RingConsumer implements AutoCloseable
{
    private final MessageRing owner;
    private final RingBuffer ring;
    private final RingClaims unblocker;
    private final FileLock role;
    private final long unblockTimeoutNs;
    private final AtomicBuffer buffer;
    private final int capacity;
    private final int headIndex;
    private final int tailIndex;
    private long lostBytes;
    private long corruptions;
    private long stuckHead = -1;
    private long stuckSinceNs;
    private long unblocks;
    private boolean closed;

    RingConsumer(
        final MessageRing owner, final RingBuffer ring, final RingClaims unblocker,
        final long unblockTimeoutNs, final FileLock role)
    {
        this.owner = owner;
        this.role = role;
        this.ring = ring;
        this.unblocker = unblocker;
        this.unblockTimeoutNs = unblockTimeoutNs;
        this.buffer = ring.buffer();
        this.capacity = ring.capacity();
        this.headIndex = capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
        this.tailIndex = capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
    }

    /**
     * @return messages handed to {@code handler}; 0 only when none are ready (a wrap of the ring is read through).
     */
    public int poll(final MessageHandler handler)
    {
        return poll(handler, Integer.MAX_VALUE);
    }

    /**
     * @return messages handed to {@code handler}, at most {@code limit}.
     * @throws CorruptRegionException when a record at the head cannot have been written by a producer; the consumer
     *                                has then skipped to the tail (what was between is lost, see {@link #lostBytes()}).
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        checkOpen();
        final long head = ring.consumerPosition();
        int read = readBlock(handler, limit);
        if (0 == read && ring.consumerPosition() != head)
        {
            // A read stops after the padding record at the end of the buffer; the messages wait at 0.
            read = readBlock(handler, limit);
        }
        if (read > 0)
        {
            stuckHead = -1;
        }
        else if (unblockTimeoutNs > 0)
        {
            checkStuck();
        }
        return read;
    }

    /** @deprecated renamed {@link #poll(MessageHandler)}, the name every typed consumer uses. */
    @Deprecated
    public int read(final MessageHandler handler)
    {
        return poll(handler, Integer.MAX_VALUE);
    }

    /** @deprecated renamed {@link #poll(MessageHandler, int)}, the name every typed consumer uses. */
    @Deprecated
    public int read(final MessageHandler handler, final int limit)
    {
        return poll(handler, limit);
    }

    /**
     * Agrona's read loop with every value checked: a record's length must fit between the head and the end of the
     * buffer and below the tail, its type must be a message type or padding. Consumed space is zeroed with plain
     * stores, never {@code setMemory} (see {@link TypedRegionHeader}).
     */
    private int readBlock(final MessageHandler handler, final int limit)
    {
        final long head = buffer.getLong(headIndex);
        final long tail = buffer.getLongVolatile(tailIndex);
        if (head < 0 || (head & (RecordDescriptor.ALIGNMENT - 1)) != 0 || tail < head || tail - head > capacity)
        {
            throw skipToTail(head, tail, "head " + head + " and tail " + tail + " are inconsistent");
        }
        final int headOffset = (int)head & (capacity - 1);
        final int maxBlock = (int)Math.min(capacity - headOffset, tail - head);
        int bytesRead = 0;
        int messages = 0;
        String problem = null;
        try
        {
            while (bytesRead < maxBlock && messages < limit)
            {
                final int record = headOffset + bytesRead;
                final int length = buffer.getIntVolatile(RecordDescriptor.lengthOffset(record));
                if (length <= 0)
                {
                    break; // not committed yet
                }
                final int aligned = BitUtil.align(length, RecordDescriptor.ALIGNMENT);
                final int type = buffer.getInt(RecordDescriptor.typeOffset(record));
                if (length < RecordDescriptor.HEADER_LENGTH || aligned < 0 || aligned > maxBlock - bytesRead ||
                    (type <= 0 && type != RingBuffer.PADDING_MSG_TYPE_ID))
                {
                    problem = "a record at position " + (head + bytesRead) + " has length " + length + " and type " +
                        type + " (" + (maxBlock - bytesRead) + " bytes to the tail or the end of the buffer)";
                    break;
                }
                bytesRead += aligned;
                if (type == RingBuffer.PADDING_MSG_TYPE_ID)
                {
                    continue;
                }
                messages++;
                handler.onMessage(type, buffer, RecordDescriptor.encodedMsgOffset(record),
                    length - RecordDescriptor.HEADER_LENGTH);
            }
        }
        finally
        {
            if (bytesRead > 0)
            {
                TypedRegionHeader.clear(buffer, headOffset, bytesRead);
                buffer.putLongRelease(headIndex, head + bytesRead);
            }
        }
        if (null != problem)
        {
            throw skipToTail(head + bytesRead, buffer.getLongVolatile(tailIndex), problem);
        }
        return messages;
    }

    /** Nothing between head and tail can be trusted any more: drop it, counting the bytes. */
    private CorruptRegionException skipToTail(final long head, final long tail, final String problem)
    {
        final boolean usable = tail >= 0 && (tail & (RecordDescriptor.ALIGNMENT - 1)) == 0;
        if (usable)
        {
            final long from = Math.max(0, Math.min(head, tail));
            final long span = Math.min(tail - from, capacity);
            TypedRegionHeader.clear(buffer, 0, capacity); // every byte may be garbage; free space must read 0
            buffer.putLongRelease(headIndex, tail);
            lostBytes += span;
        }
        corruptions++;
        return new CorruptRegionException(owner.name(), problem + (usable ? "; skipped to the tail" : ""), usable);
    }

    /** @return bytes dropped because the ring was found corrupt. */
    public long lostBytes()
    {
        return lostBytes;
    }

    /** @return how many times the ring was found corrupt. */
    public long corruptions()
    {
        return corruptions;
    }

    private void checkStuck()
    {
        final long head = ring.consumerPosition();
        if (ring.producerPosition() == head)
        {
            stuckHead = -1;
            return;
        }
        final long now = System.nanoTime();
        if (head != stuckHead)
        {
            stuckHead = head;
            stuckSinceNs = now;
        }
        else if (now - stuckSinceNs >= unblockTimeoutNs)
        {
            if (unblocker.unblock())
            {
                unblocks++;
            }
            stuckSinceNs = now;
        }
    }

    /** @return how many times a dead producer's record was skipped. */
    public long unblocks()
    {
        return unblocks;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new ClientClosedException("the consumer of ring " + owner.name() + " is closed");
        }
        owner.checkOpen();
    }

    /** @return whether this consumer and its ring are open and the daemon still holds the region. */
    public boolean isValid()
    {
        return !closed && owner.isValid();
    }

    /** Gives the consumer role back. Safe to call twice. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            owner.releaseConsumer(role);
        }
    }
}
