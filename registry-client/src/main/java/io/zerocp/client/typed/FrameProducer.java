package io.zerocp.client.typed;

import io.zerocp.client.ClientClosedException;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.channels.FileLock;
import java.util.concurrent.TimeUnit;

/**
 * The one producer of a {@link FramePool}: {@link #claim()} a free slot, write the frame into it, {@link #publish}.
 * Never waits for consumers. Holds the producer role until closed; a new producer after a crash continues the
 * numbering, and a slot left half-written by the dead one is simply never published. The role is a kernel record
 * lock on the region's file (see {@link RoleLocks}), so it holds across pid namespaces. Not thread-safe.
 */
public final class FrameProducer implements AutoCloseable
{
    private static final long SWEEP_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final FramePool pool;
    private final AtomicBuffer buffer;
    private final int slots;
    private final FileLock role;
    private long sequence;
    private int lastSlot = -1;
    private int claimedSlot = -1;
    private long nextSweepNs;
    private boolean closed;

    FrameProducer(final FramePool pool, final FileLock role)
    {
        this.pool = pool;
        this.role = role;
        this.buffer = pool.buffer();
        this.slots = pool.slots();
        this.sequence = pool.publishedSequence();
        this.nextSweepNs = System.nanoTime();
    }

    /**
     * Picks a slot no consumer is reading and that does not hold the newest frame, and marks it as being written.
     *
     * @return the slot, to write the frame into from index 0 (capacity {@link FramePool#slotSize()}); valid until
     * {@link #publish} or {@link #abort}.
     */
    public MutableDirectBuffer claim()
    {
        checkOpen();
        if (claimedSlot >= 0)
        {
            throw new IllegalStateException("a slot is already claimed; publish or abort it first");
        }
        sweepWhenDue();
        int slot = pick();
        if (slot < 0)
        {
            pool.sweepDeadConsumers();
            slot = pick();
            if (slot < 0)
            {
                // Cannot happen while slots >= maxConsumers + 2 and each consumer claims one slot at most.
                throw new IllegalStateException("no free slot in frame pool " + pool.name());
            }
        }
        claimedSlot = slot;
        return pool.slotView(slot);
    }

    private int pick()
    {
        final long published = buffer.getLongVolatile(FramePool.PUBLISHED_OFFSET);
        final int newest = 0 == published ? -1 : (int)(published & FramePool.SLOT_MASK);
        final long writingMark = -(sequence + 1);
        for (int i = 1; i <= slots; i++)
        {
            final int slot = (lastSlot + i) % slots;
            if (slot == newest || pool.isClaimed(slot))
            {
                continue;
            }
            final int descriptor = pool.descriptorOffset(slot) + FramePool.DESCRIPTOR_SEQUENCE;
            final long previous = buffer.getLongVolatile(descriptor);
            buffer.putLongVolatile(descriptor, writingMark);
            // Store-then-load against the consumer's claim-then-check: one of us sees the other.
            if (pool.isClaimed(slot))
            {
                buffer.putLongVolatile(descriptor, previous);
                continue;
            }
            return slot;
        }
        return -1;
    }

    /**
     * Hands the claimed slot to consumers as the newest frame.
     *
     * @param length      bytes of the frame, at most the slot size.
     * @param timestampNs passed to consumers, e.g. {@link System#nanoTime()} at capture.
     * @return the frame's sequence number.
     */
    public long publish(final int length, final long timestampNs)
    {
        checkOpen();
        if (claimedSlot < 0)
        {
            throw new IllegalStateException("no slot claimed");
        }
        if (length < 0 || length > pool.slotSize())
        {
            throw new IllegalArgumentException("frame length " + length + " outside [0, " + pool.slotSize() + "]");
        }
        final long next = sequence + 1;
        final int descriptor = pool.descriptorOffset(claimedSlot);
        buffer.putLong(descriptor + FramePool.DESCRIPTOR_FRAME_LENGTH, length);
        buffer.putLong(descriptor + FramePool.DESCRIPTOR_TIMESTAMP, timestampNs);
        buffer.putLongRelease(descriptor + FramePool.DESCRIPTOR_SEQUENCE, next); // the frame's bytes go before
        buffer.putLongRelease(FramePool.PUBLISHED_OFFSET, (next << FramePool.SLOT_BITS) | claimedSlot);
        sequence = next;
        lastSlot = claimedSlot;
        claimedSlot = -1;
        return next;
    }

    /** Gives the claimed slot back unpublished (its old frame is gone: it may have been partly overwritten). */
    public void abort()
    {
        checkOpen();
        if (claimedSlot >= 0)
        {
            buffer.putLongRelease(pool.descriptorOffset(claimedSlot) + FramePool.DESCRIPTOR_SEQUENCE, 0);
            claimedSlot = -1;
        }
    }

    /** @return the sequence of the last frame published (by this producer or its predecessors). */
    public long sequence()
    {
        return sequence;
    }

    /**
     * @return whether every attached consumer has taken (claimed) the newest frame; a producer that wants no drops
     * (a benchmark, a recorder) waits for this before publishing the next, and may write the next one meanwhile.
     */
    public boolean consumersCaughtUp()
    {
        checkOpen();
        sweepWhenDue(); // a consumer killed before taking the newest frame must not hold this up for ever
        return pool.consumersCaughtUp(sequence);
    }

    /** Frees the entries of dead consumers, at most every 100 ms (each check is a lock probe per used entry). */
    private void sweepWhenDue()
    {
        final long now = System.nanoTime();
        if (now - nextSweepNs >= 0)
        {
            pool.sweepDeadConsumers();
            nextSweepNs = now + SWEEP_INTERVAL_NS;
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new ClientClosedException("the producer of frame pool " + pool.name() + " is closed");
        }
        pool.checkOpen();
    }

    /** @return whether this producer, its pool and region are open and the daemon still holds the region. */
    public boolean isValid()
    {
        return !closed && pool.isValid();
    }

    /** Aborts a claimed slot and gives the producer role back. */
    @Override
    public void close()
    {
        if (!closed)
        {
            if (claimedSlot >= 0 && !pool.isClosed())
            {
                abort();
            }
            closed = true;
            pool.releaseProducer(role);
        }
    }
}
