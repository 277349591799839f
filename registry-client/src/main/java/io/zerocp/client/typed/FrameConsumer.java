package io.zerocp.client.typed;

import org.agrona.concurrent.AtomicBuffer;

/**
 * One consumer of a {@link FramePool}: {@link #poll} reads the newest frame in place if there is one it has not seen,
 * counting the frames it skipped. Holds a consumer entry until closed (a dead process's entry is freed by the
 * producer or by the next consumer that needs one). Not thread-safe.
 */
public final class FrameConsumer implements AutoCloseable
{
    private final FramePool pool;
    private final AtomicBuffer buffer;
    private final int entry;
    private final int index;
    private long lastSequence;
    private long framesRead;
    private long framesMissed;
    private boolean closed;

    FrameConsumer(final FramePool pool, final int index)
    {
        this.pool = pool;
        this.buffer = pool.buffer();
        this.index = index;
        this.entry = pool.entryOffset(index);
        // Frames published before joining do not count as missed; the newest one is still offered.
        final long published = pool.publishedSequence();
        this.lastSequence = published > 0 ? published - 1 : 0;
        buffer.putLong(entry + FramePool.ENTRY_FRAMES_READ, 0);
        buffer.putLong(entry + FramePool.ENTRY_FRAMES_MISSED, 0);
        buffer.putLongRelease(entry + FramePool.ENTRY_LAST_SEQUENCE, lastSequence);
    }

    /**
     * Reads the newest frame if it is newer than the last one read: claims its slot, hands it to {@code handler},
     * releases the slot.
     *
     * @return whether a frame was handed over.
     */
    public boolean poll(final FrameHandler handler)
    {
        checkOpen();
        while (true)
        {
            final long published = buffer.getLongVolatile(FramePool.PUBLISHED_OFFSET);
            final long sequence = published >>> FramePool.SLOT_BITS;
            if (sequence <= lastSequence)
            {
                return false;
            }
            final int slot = (int)(published & FramePool.SLOT_MASK);
            final int descriptor = pool.descriptorOffset(slot);
            buffer.putLongVolatile(entry + FramePool.ENTRY_CLAIM, slot + 1);
            // Claim-then-check against the producer's mark-then-check: one of us sees the other.
            if (buffer.getLongVolatile(descriptor + FramePool.DESCRIPTOR_SEQUENCE) != sequence)
            {
                buffer.putLongRelease(entry + FramePool.ENTRY_CLAIM, 0);
                continue; // the producer has moved on; take the newer frame
            }
            final int length = (int)buffer.getLong(descriptor + FramePool.DESCRIPTOR_FRAME_LENGTH);
            final long timestampNs = buffer.getLong(descriptor + FramePool.DESCRIPTOR_TIMESTAMP);
            // Taken: a producer waiting for its consumers may now write the next frame while this one is read.
            buffer.putLongRelease(entry + FramePool.ENTRY_LAST_SEQUENCE, sequence);
            try
            {
                handler.onFrame(pool.slotView(slot), length, sequence, timestampNs);
            }
            finally
            {
                // Release orders every read of the frame before the slot is given back.
                buffer.putLongRelease(entry + FramePool.ENTRY_CLAIM, 0);
                framesMissed += sequence - lastSequence - 1;
                framesRead++;
                lastSequence = sequence;
                buffer.putLong(entry + FramePool.ENTRY_FRAMES_READ, framesRead);
                buffer.putLongRelease(entry + FramePool.ENTRY_FRAMES_MISSED, framesMissed);
            }
            return true;
        }
    }

    /** @return frames handed to handlers. */
    public long framesRead()
    {
        return framesRead;
    }

    /** @return frames published since this consumer joined that it skipped because it was busy. */
    public long missedFrames()
    {
        return framesMissed;
    }

    /** @return the sequence of the last frame read. */
    public long lastSequence()
    {
        return lastSequence;
    }

    /** @return which consumer entry this is (0 to maxConsumers - 1). */
    public int entryIndex()
    {
        return index;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("consumer is closed");
        }
        pool.checkOpen();
    }

    /** Releases any claim and the consumer entry. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            pool.releaseConsumer(index);
        }
    }
}
