package io.zerocp.client.typed;

import io.zerocp.client.ClientClosedException;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.channels.FileLock;

/**
 * One consumer of a {@link FramePool}: {@link #poll} reads the newest frame in place if there is one it has not seen,
 * counting the frames it skipped. Holds a consumer entry until closed (a dead process's entry is freed by the
 * producer or by the next consumer that needs one). The entry is held by a kernel record lock on the region's file
 * (see {@link RoleLocks}): a producer in another pid namespace sees it held for exactly as long as this process
 * lives, so it never writes into the slot being read. Not thread-safe.
 * <p>
 * <b>Shared memory is input.</b> The slot number, frame length and sequences read from the region are checked
 * before use (a slot beyond the pool, a length beyond the slot, a sequence going backwards, a published word whose
 * slot holds another frame) and reported once as a {@link CorruptRegionException}; a poll tries a bounded number of
 * claims, so it returns whatever the region holds. A forged frame with a huge sequence costs one exception when the
 * producer's next frame shows the sequence going back, after which the consumer continues with the producer.
 */
public final class FrameConsumer implements AutoCloseable
{
    /** Claims tried per poll before giving up until the next (each retry follows a newer published frame). */
    private static final int MAX_ATTEMPTS = 64;

    private final FramePool pool;
    private final AtomicBuffer buffer;
    private final int entry;
    private final int index;
    private final FileLock lock;
    private long lastSequence;
    private long framesRead;
    private long framesMissed;
    private long lastGap;
    private long corruptions;
    private boolean closed;

    FrameConsumer(final FramePool pool, final int index, final FileLock lock)
    {
        this.pool = pool;
        this.lock = lock;
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
     * releases the slot. Kept returning {@code boolean} for the code written against it; {@link #poll(FrameHandler,
     * int)} returns a count like every other typed consumer's {@code poll}.
     *
     * @return whether a frame was handed over.
     */
    public boolean poll(final FrameHandler handler)
    {
        return pollOne(handler);
    }

    /**
     * The typed consumers' common form (Aeron's {@code Subscription.poll(handler, fragmentLimit)}): hands over at most
     * {@code limit} items and returns how many, 0 when there was nothing new, for an idle strategy's
     * {@code idle(workCount)}. A frame consumer hands over at most one frame per call (always the newest).
     *
     * @return frames handed over (0 or 1).
     */
    public int poll(final FrameHandler handler, final int limit)
    {
        if (limit < 1)
        {
            checkOpen();
            return 0;
        }
        return pollOne(handler) ? 1 : 0;
    }

    private boolean pollOne(final FrameHandler handler)
    {
        checkOpen();
        long previous = -1;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
        {
            final long published = buffer.getLongVolatile(FramePool.PUBLISHED_OFFSET);
            final long sequence = published >>> FramePool.SLOT_BITS;
            if (sequence == lastSequence || 0 == sequence)
            {
                return false;
            }
            final int slot = (int)(published & FramePool.SLOT_MASK);
            if (slot >= pool.slots())
            {
                throw corrupt("the published word names slot " + slot + " of " + pool.slots());
            }
            if (sequence < lastSequence)
            {
                // Numbers only grow: the frame taken last was forged (or the region re-initialized under us).
                resync(sequence);
                throw corrupt("the published sequence went back from " + lastSequence + " to " + sequence +
                    "; continuing from it");
            }
            final int descriptor = pool.descriptorOffset(slot);
            buffer.putLongVolatile(entry + FramePool.ENTRY_CLAIM, slot + 1);
            // Claim-then-check against the producer's mark-then-check: one of us sees the other.
            final long slotSequence = buffer.getLongVolatile(descriptor + FramePool.DESCRIPTOR_SEQUENCE);
            if (slotSequence != sequence)
            {
                buffer.putLongRelease(entry + FramePool.ENTRY_CLAIM, 0);
                if (published == previous)
                {
                    // The producer moves the published word before it reuses a slot: a word that stays put while
                    // its slot holds another frame was not written by the producer.
                    throw corrupt("the published word names slot " + slot + " for frame " + sequence +
                        " but that slot holds frame " + slotSequence);
                }
                previous = published;
                continue; // the producer has moved on; take the newer frame
            }
            final long length = buffer.getLong(descriptor + FramePool.DESCRIPTOR_FRAME_LENGTH);
            if (length < 0 || length > pool.slotSize())
            {
                buffer.putLongRelease(entry + FramePool.ENTRY_CLAIM, 0);
                throw corrupt("frame " + sequence + " in slot " + slot + " claims " + length + " bytes; slots hold " +
                    pool.slotSize());
            }
            final long timestampNs = buffer.getLong(descriptor + FramePool.DESCRIPTOR_TIMESTAMP);
            // Taken: a producer waiting for its consumers may now write the next frame while this one is read.
            buffer.putLongRelease(entry + FramePool.ENTRY_LAST_SEQUENCE, sequence);
            try
            {
                handler.onFrame(pool.slotView(slot), (int)length, sequence, timestampNs);
            }
            finally
            {
                // Release orders every read of the frame before the slot is given back.
                buffer.putLongRelease(entry + FramePool.ENTRY_CLAIM, 0);
                lastGap = sequence - lastSequence - 1;
                framesMissed += lastGap;
                framesRead++;
                lastSequence = sequence;
                buffer.putLong(entry + FramePool.ENTRY_FRAMES_READ, framesRead);
                buffer.putLongRelease(entry + FramePool.ENTRY_FRAMES_MISSED, framesMissed);
            }
            return true;
        }
        return false; // the producer kept moving faster than we could claim: try again on the next poll
    }

    /** The last frame was not the producer's: forget the gap it added and continue from {@code sequence}. */
    private void resync(final long sequence)
    {
        framesMissed = Math.max(0, framesMissed - lastGap);
        lastGap = 0;
        lastSequence = sequence - 1;
        corruptions++;
        buffer.putLongRelease(entry + FramePool.ENTRY_LAST_SEQUENCE, lastSequence);
    }

    private CorruptRegionException corrupt(final String problem)
    {
        corruptions++;
        return new CorruptRegionException(pool.name(), problem, true);
    }

    /** @return how many times this consumer found the pool corrupt. */
    public long corruptions()
    {
        return corruptions;
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
            throw new ClientClosedException("a consumer of frame pool " + pool.name() + " is closed");
        }
        pool.checkOpen();
    }

    /** @return whether this consumer, its pool and region are open and the daemon still holds the region. */
    public boolean isValid()
    {
        return !closed && pool.isValid();
    }

    /** Releases any claim and the consumer entry. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            pool.releaseConsumer(index, lock);
        }
    }
}
