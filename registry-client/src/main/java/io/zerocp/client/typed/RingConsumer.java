package io.zerocp.client.typed;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The one consumer of a {@link MessageRing}: reads messages in order and unblocks the ring when a producer died in
 * the middle of a write. Holds the ring's consumer role until closed (a {@code kill -9}ed consumer's role is taken
 * over by the next one). Messages handed to a consumer that dies before its read returns are read again by the next
 * consumer (at-least-once across consumer crashes). Not thread-safe.
 */
public final class RingConsumer implements AutoCloseable
{
    private final MessageRing owner;
    private final RingBuffer ring;
    private final ManyToOneRingBuffer unblocker;
    private final long unblockTimeoutNs;
    private long stuckHead = -1;
    private long stuckSinceNs;
    private long unblocks;
    private boolean closed;

    RingConsumer(
        final MessageRing owner, final RingBuffer ring, final ManyToOneRingBuffer unblocker,
        final long unblockTimeoutNs)
    {
        this.owner = owner;
        this.ring = ring;
        this.unblocker = unblocker;
        this.unblockTimeoutNs = unblockTimeoutNs;
    }

    /** @return messages read; 0 only when none are ready (a wrap of the ring is read through). */
    public int read(final MessageHandler handler)
    {
        return read(handler, Integer.MAX_VALUE);
    }

    /** @return messages read, at most {@code limit}. */
    public int read(final MessageHandler handler, final int limit)
    {
        checkOpen();
        final long head = ring.consumerPosition();
        int read = ring.read(handler, limit);
        if (0 == read && ring.consumerPosition() != head)
        {
            // Agrona's read stops after the padding record at the end of the buffer; the messages wait at 0.
            read = ring.read(handler, limit);
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
            throw new IllegalStateException("consumer is closed");
        }
        owner.checkOpen();
    }

    /** Gives the consumer role back. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            owner.releaseConsumer();
        }
    }
}
