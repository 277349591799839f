package io.zerocp.client.typed;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;

import io.zerocp.client.ClientClosedException;

import java.nio.ByteBuffer;
import java.nio.channels.FileLock;

/**
 * The one transmitter of a {@link BroadcastRegion}. Transmitting never blocks: slow receivers are lapped. Holds the
 * transmitter role until closed, as a kernel record lock (see {@link RoleLocks}): one live transmitter in any pid
 * namespace. Not thread-safe.
 */
public final class BroadcastPublisher implements AutoCloseable
{
    private final BroadcastRegion owner;
    private final AtomicBuffer region;
    private final BroadcastTransmitter transmitter;
    private final UnsafeBuffer scratch;
    private final FileLock role;
    private long sequence;
    private boolean closed;

    BroadcastPublisher(
        final BroadcastRegion owner, final AtomicBuffer region, final UnsafeBuffer broadcastBuffer, final FileLock role)
    {
        this.owner = owner;
        this.role = role;
        this.region = region;
        this.transmitter = new BroadcastTransmitter(broadcastBuffer);
        this.scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(transmitter.maxMsgLength()));
        this.sequence = region.getLongVolatile(BroadcastRegion.SEQUENCE_OFFSET);
    }

    /** @return the longest message {@link #transmit} accepts. */
    public int maxMessageLength()
    {
        return transmitter.maxMsgLength() - Long.BYTES;
    }

    /**
     * Sends a message to every receiver.
     *
     * @param msgTypeId a positive type id receivers see.
     * @return the message's sequence number.
     */
    public long transmit(final int msgTypeId, final DirectBuffer source, final int index, final int length)
    {
        checkOpen();
        if (length > maxMessageLength())
        {
            throw new IllegalArgumentException("message of " + length + " bytes; at most " + maxMessageLength());
        }
        final long next = sequence + 1;
        scratch.putLong(0, next);
        scratch.putBytes(Long.BYTES, source, index, length);
        // Count first: if this process dies mid-transmit, receivers see a gap (loss) rather than two messages with
        // one number.
        region.putLongRelease(BroadcastRegion.SEQUENCE_OFFSET, next);
        transmitter.transmit(msgTypeId, scratch, 0, length + Long.BYTES);
        sequence = next;
        return next;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new ClientClosedException("the publisher of broadcast region " + owner.name() + " is closed");
        }
        owner.checkOpen();
    }

    /** @return whether this publisher and its region are open and the daemon still holds the region. */
    public boolean isValid()
    {
        return !closed && owner.isValid();
    }

    /** Gives the transmitter role back. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            owner.releasePublisher(role);
        }
    }
}
