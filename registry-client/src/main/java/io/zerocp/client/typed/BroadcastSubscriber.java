package io.zerocp.client.typed;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.RecordDescriptor;

import io.zerocp.client.ClientClosedException;

import java.nio.ByteBuffer;

/**
 * One receiver of a {@link BroadcastRegion}. Each message is copied out of the shared buffer and checked to be
 * intact before the handler sees it (the transmitter may overwrite it at any time); a receiver that was lapped
 * skips to the newest message and adds what it missed to {@link #lostMessages()}. Sees only messages transmitted
 * after it was created. Not thread-safe.
 * <p>
 * <b>Shared memory is input.</b> This reads Agrona's broadcast layout itself rather than through Agrona's
 * {@code BroadcastReceiver}, so that every value is checked before use: the trailer's counters against each other,
 * record lengths against the capacity and the record's room, type ids, and message sequences against the
 * transmitter's sequence word. A call examines at most a buffer's worth of records whatever it skips, so
 * {@link #poll(MessageHandler, int)} returns in bounded time. A corrupt record or counter throws a
 * {@link CorruptRegionException} once, after skipping to the transmitter's tail (the messages in between are
 * counted in {@link #lostMessages()} when their number can be known, and in {@link #corruptions()} always).
 */
public final class BroadcastSubscriber implements AutoCloseable
{
    private static final int MIN_RECORD = RecordDescriptor.HEADER_LENGTH + Long.BYTES;

    private final BroadcastRegion owner;
    private final AtomicBuffer region;
    private final AtomicBuffer buffer;
    private final int capacity;
    private final int tailIndex;
    private final int intentIndex;
    private final int latestIndex;
    private final int maxRecordLength;
    private final UnsafeBuffer scratch;
    private long next;
    /** Where the stream stood at the last message taken (or at joining): every lost message lies after it. */
    private long basePosition;
    private long expected;
    private boolean seenAny;
    /** After a corruption: the next intact message's sequence is the new base, with no gap counted. */
    private boolean baseUnknown;
    private long received;
    private long lost;
    private long lapped;
    private long corruptions;
    private boolean closed;

    BroadcastSubscriber(final BroadcastRegion owner, final AtomicBuffer region, final UnsafeBuffer broadcastBuffer)
    {
        this.owner = owner;
        this.region = region;
        this.buffer = broadcastBuffer;
        this.capacity = broadcastBuffer.capacity() - BroadcastBufferDescriptor.TRAILER_LENGTH;
        this.tailIndex = capacity + BroadcastBufferDescriptor.TAIL_COUNTER_OFFSET;
        this.intentIndex = capacity + BroadcastBufferDescriptor.TAIL_INTENT_COUNTER_OFFSET;
        this.latestIndex = capacity + BroadcastBufferDescriptor.LATEST_COUNTER_OFFSET;
        this.maxRecordLength = capacity / 8 + RecordDescriptor.HEADER_LENGTH;
        this.expected = region.getLongVolatile(BroadcastRegion.SEQUENCE_OFFSET) + 1;
        this.next = Math.max(0, buffer.getLongVolatile(tailIndex)) & ~(long)(RecordDescriptor.RECORD_ALIGNMENT - 1);
        this.basePosition = next;
        this.scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(maxRecordLength));
    }

    /**
     * Hands every intact message that has arrived to {@code handler}; the buffer passed is a private copy, valid
     * until the handler returns.
     *
     * @return messages handed over.
     */
    public int poll(final MessageHandler handler)
    {
        return poll(handler, Integer.MAX_VALUE);
    }

    /** @deprecated renamed {@link #poll(MessageHandler)}, the name every typed consumer uses. */
    @Deprecated
    public int receive(final MessageHandler handler)
    {
        return poll(handler, Integer.MAX_VALUE);
    }

    /** @deprecated renamed {@link #poll(MessageHandler, int)}, the name every typed consumer uses. */
    @Deprecated
    public int receive(final MessageHandler handler, final int limit)
    {
        return poll(handler, limit);
    }

    /**
     * @return messages handed over, at most {@code limit}; returns after examining at most a buffer's worth of
     * records (skipped ones included), so a call is bounded whatever the region holds.
     * @throws CorruptRegionException when the region holds something the transmitter cannot have written.
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        if (closed)
        {
            throw new ClientClosedException("a subscriber of broadcast region " + owner.name() + " is closed");
        }
        owner.checkOpen();
        int count = 0;
        for (int examined = 0; count < limit && examined < capacity / MIN_RECORD + 1; examined++)
        {
            final long tail = buffer.getLongVolatile(tailIndex);
            if (tail <= next)
            {
                if (tail < next - capacity)
                {
                    throw corrupt("the tail went back from " + next + " to " + tail, tail);
                }
                break;
            }
            final long intent = buffer.getLongVolatile(intentIndex);
            // The transmitter stores the intent, the record, the latest counter, then the tail. With the tail the
            // same before and after reading the intent, intent >= tail and they differ by one record at most; a
            // tail that moved meanwhile means a live transmitter, not a corrupt trailer.
            if ((tail & (RecordDescriptor.RECORD_ALIGNMENT - 1)) != 0 ||
                (tail == buffer.getLongVolatile(tailIndex) && (intent < tail || intent - tail > 2L * capacity)))
            {
                throw corrupt("inconsistent trailer (tail " + tail + ", tail intent " + intent + ")", -1);
            }
            if (next + capacity <= intent)
            {
                // Lapped: what was at our cursor is gone; continue from the newest record. The latest counter is
                // stored after the intent of its record, so read before the intent it is never above it.
                final long latest = buffer.getLongVolatile(latestIndex);
                final long intentAfter = buffer.getLongVolatile(intentIndex);
                if (latest < 0 || latest > intentAfter || (latest & (RecordDescriptor.RECORD_ALIGNMENT - 1)) != 0)
                {
                    throw corrupt("the latest-record counter " + latest + " does not fit tail intent " +
                        intentAfter, buffer.getLongVolatile(tailIndex));
                }
                lapped++;
                next = latest;
                continue;
            }
            final int offset = (int)next & (capacity - 1);
            final int length = buffer.getInt(RecordDescriptor.lengthOffset(offset));
            final int typeId = buffer.getInt(RecordDescriptor.typeOffset(offset));
            final int room = capacity - offset;
            if (typeId == RecordDescriptor.PADDING_MSG_TYPE_ID && length == room)
            {
                next += room;
                continue;
            }
            final int aligned = BitUtil.align(length, RecordDescriptor.RECORD_ALIGNMENT);
            final boolean shapeOk = length >= MIN_RECORD && length <= maxRecordLength && aligned <= room &&
                next + aligned <= tail;
            if (shapeOk)
            {
                buffer.getBytes(RecordDescriptor.msgOffset(offset), scratch, 0, length - RecordDescriptor.HEADER_LENGTH);
            }
            if (next + capacity <= buffer.getLongVolatile(intentIndex))
            {
                continue; // overwritten while we read it: the lapped branch above moves on, the sequence gap counts it
            }
            if (!shapeOk || typeId <= 0)
            {
                throw corrupt("a record at position " + next + " has length " + length + " and type " + typeId +
                    " (room " + room + ", longest " + maxRecordLength + ")", tail);
            }
            next += aligned;
            final long sequence = scratch.getLong(0);
            if (baseUnknown && sequence > 0)
            {
                expected = sequence;
                baseUnknown = false;
            }
            if (sequence < expected)
            {
                if (!seenAny && sequence == expected - 1)
                {
                    continue; // the one message in flight when this receiver joined
                }
                throw corrupt("message sequence " + sequence + " after " + (expected - 1), tail);
            }
            final long published = region.getLongVolatile(BroadcastRegion.SEQUENCE_OFFSET);
            final long gap = sequence - expected;
            // Each message takes MIN_RECORD bytes or more, so no more can have been lost than fit since basePosition.
            if (sequence > published || gap > (tail - basePosition) / MIN_RECORD + 1)
            {
                throw corrupt("message sequence " + sequence + " is beyond what was transmitted (" +
                    (expected - 1) + " received, " + published + " counted)", tail);
            }
            lost += gap;
            expected = sequence + 1;
            basePosition = next;
            seenAny = true;
            received++;
            count++;
            handler.onMessage(typeId, scratch, Long.BYTES, length - RecordDescriptor.HEADER_LENGTH - Long.BYTES);
        }
        return count;
    }

    /**
     * Skips to {@code tail} (when it is a usable position) and forgets the sequence base, so the next intact message
     * is taken as is.
     */
    private CorruptRegionException corrupt(final String problem, final long tail)
    {
        corruptions++;
        final boolean recovered = tail >= 0 && (tail & (RecordDescriptor.RECORD_ALIGNMENT - 1)) == 0;
        if (recovered)
        {
            next = tail;
            basePosition = tail;
            final long published = region.getLongVolatile(BroadcastRegion.SEQUENCE_OFFSET);
            if (published >= expected - 1 && published - expected < (long)capacity)
            {
                lost += published - (expected - 1);
            }
            baseUnknown = true;
            seenAny = true;
        }
        return new CorruptRegionException(owner.name(), problem, recovered);
    }

    /** @return messages transmitted since this receiver joined that it never got (it was lapped). */
    public long lostMessages()
    {
        return lost;
    }

    /** @return messages handed to handlers. */
    public long receivedMessages()
    {
        return received;
    }

    /** @return the sequence number of the last message received, or of the last one before joining. */
    public long lastSequence()
    {
        return expected - 1;
    }

    /** @return how many times the transmitter lapped this receiver. */
    public long lappedCount()
    {
        return lapped;
    }

    /** @return how many times this receiver found the region corrupt and skipped ahead. */
    public long corruptions()
    {
        return corruptions;
    }

    /** @return whether this subscriber and its region are open and the daemon still holds the region. */
    public boolean isValid()
    {
        return !closed && owner.isValid();
    }

    /** Stops this receiver (it holds no role; later calls throw {@link ClientClosedException}). Safe twice. */
    @Override
    public void close()
    {
        closed = true;
    }
}
