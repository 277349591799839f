package io.zerocp.client.typed;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastReceiver;

import java.nio.ByteBuffer;

/**
 * One receiver of a {@link BroadcastRegion}. Each message is copied out of the shared buffer and checked to be
 * intact before the handler sees it (the transmitter may overwrite it at any time); a receiver that was lapped
 * skips to the newest message and adds what it missed to {@link #lostMessages()}. Sees only messages transmitted
 * after it was created. Not thread-safe.
 */
public final class BroadcastSubscriber
{
    private final BroadcastRegion owner;
    private final BroadcastReceiver receiver;
    private final UnsafeBuffer scratch;
    private long expected;
    private long received;
    private long lost;

    BroadcastSubscriber(final BroadcastRegion owner, final AtomicBuffer region, final UnsafeBuffer broadcastBuffer)
    {
        this.owner = owner;
        this.expected = region.getLongVolatile(BroadcastRegion.SEQUENCE_OFFSET) + 1;
        this.receiver = new BroadcastReceiver(broadcastBuffer);
        this.scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(broadcastBuffer.capacity() / 8 + 64));
    }

    /**
     * Hands every intact message that has arrived to {@code handler}; the buffer passed is a private copy, valid
     * until the handler returns.
     *
     * @return messages handed over.
     */
    public int receive(final MessageHandler handler)
    {
        return receive(handler, Integer.MAX_VALUE);
    }

    /** @return messages handed over, at most {@code limit}. */
    public int receive(final MessageHandler handler, final int limit)
    {
        owner.checkOpen();
        int count = 0;
        while (count < limit && receiver.receiveNext())
        {
            final int typeId = receiver.typeId();
            final int length = receiver.length();
            receiver.buffer().getBytes(receiver.offset(), scratch, 0, length);
            if (!receiver.validate() || length < Long.BYTES)
            {
                continue; // overwritten while copying: the sequence gap counts it
            }
            final long sequence = scratch.getLong(0);
            if (sequence < expected)
            {
                continue; // transmitted before this receiver joined
            }
            lost += sequence - expected;
            expected = sequence + 1;
            received++;
            count++;
            handler.onMessage(typeId, scratch, Long.BYTES, length - Long.BYTES);
        }
        return count;
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

    /** @return how many times the transmitter lapped this receiver (Agrona's count). */
    public long lappedCount()
    {
        return receiver.lappedCount();
    }
}
