package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.channels.FileLock;

/**
 * A named region holding N fixed-size frame slots that one producer writes in place and any number of consumers
 * (up to {@code maxConsumers} at a time) read in place: nothing is copied; only the slot number and sequence of the
 * newest frame are published, in one 64-bit word.
 * <pre>{@code
 * // producer process
 * try (FramePool pool = FramePool.open(client, "camera0", 4, 1920 * 1080 * 4, 2);
 *      FrameProducer producer = pool.producer())
 * {
 *     MutableDirectBuffer frame = producer.claim();   // a free slot, in shared memory
 *     render(frame);                                  // write the pixels there
 *     producer.publish(frame.capacity(), System.nanoTime());
 * }
 * // each consumer process
 * try (FramePool pool = FramePool.open(client, "camera0", 4, 1920 * 1080 * 4, 2);
 *      FrameConsumer consumer = pool.consumer())
 * {
 *     consumer.poll((frame, length, sequence, timestampNs) -> checksum(frame, length));
 * }
 * }</pre>
 * <b>Semantics.</b> A consumer always takes the newest published frame; if it was slow and the producer published
 * several since its last one, it skips them and counts them in {@link FrameConsumer#missedFrames()}. The producer
 * never waits for consumers: it writes into a slot that is neither the newest published one nor claimed by a
 * consumer, and {@code slots >= maxConsumers + 2} guarantees one exists (each consumer holds at most one slot).
 * <p>
 * <b>Claims.</b> To read a frame, a consumer stores the slot number in its claim word, then re-reads the slot's
 * sequence; the producer stores a "writing" mark in the slot's sequence, then re-reads every claim word. Both are
 * volatile store-then-load pairs, so at least one side sees the other: either the producer picks another slot, or
 * the consumer retries with the newer frame. A claim word belongs to a consumer entry, and an entry is held with a
 * kernel record lock on the region's file (slot 16 + i of {@link RoleLocks}) for as long as its consumer is attached.
 * The producer probes the locks of used entries every 100 ms and frees the entries nobody holds (their consumer died,
 * and the kernel dropped its lock), so a consumer {@code kill -9}ed in the middle of a frame pins its slot for about
 * that long, not forever, and a live consumer in another pid namespace is never mistaken for a dead one (a pid means
 * nothing across namespaces; the identity in the entry is a label). Locks rather than the registry lease: the
 * producer checks them with no daemon round trip, and they are right the moment the process is gone.
 * <p>
 * Region layout after the {@link TypedRegionHeader}: at 128 the published word ({@code sequence << 16 | slot});
 * at 256 {@code maxConsumers} 64-byte consumer entries (identity, claim, last sequence, frames read, frames missed);
 * then one 64-byte descriptor per slot (sequence, negative while being written; length; timestamp); then, from a
 * 4096-byte boundary, the slots, each {@code slotSize} rounded up to 64 bytes.
 */
public final class FramePool implements AutoCloseable
{
    /** Layout version: 2 since roles and consumer entries are held by kernel record locks (see {@link RoleLocks}). */
    public static final int VERSION = 2;
    /** Largest slot count (slot numbers share a word with the sequence). */
    public static final int MAX_SLOTS = 0xFFFF;

    static final int PUBLISHED_OFFSET = TypedRegionHeader.LENGTH;
    static final int CONSUMERS_OFFSET = 256;
    static final int ENTRY_LENGTH = 64;
    static final int ENTRY_IDENTITY = 0;
    static final int ENTRY_CLAIM = 8;
    static final int ENTRY_LAST_SEQUENCE = 16;
    static final int ENTRY_FRAMES_READ = 24;
    static final int ENTRY_FRAMES_MISSED = 32;
    static final int DESCRIPTOR_LENGTH = 64;
    static final int DESCRIPTOR_SEQUENCE = 0;
    static final int DESCRIPTOR_FRAME_LENGTH = 8;
    static final int DESCRIPTOR_TIMESTAMP = 16;
    static final int SLOT_BITS = 16;
    static final long SLOT_MASK = (1L << SLOT_BITS) - 1;

    private final TypedMapping mapping;
    private final AtomicBuffer buffer;
    private final int slots;
    private final int slotSize;
    private final int maxConsumers;
    private final int descriptorsOffset;
    private final int slotsOffset;
    private final int slotStride;
    private final UnsafeBuffer[] slotViews;

    private FramePool(final TypedMapping mapping, final int slots, final int slotSize, final int maxConsumers)
    {
        this.mapping = mapping;
        this.buffer = mapping.buffer();
        this.slots = slots;
        this.slotSize = slotSize;
        this.maxConsumers = maxConsumers;
        this.descriptorsOffset = CONSUMERS_OFFSET + maxConsumers * ENTRY_LENGTH;
        this.slotsOffset = slotsOffset(slots, maxConsumers);
        this.slotStride = BitUtil.align(slotSize, 64);
        this.slotViews = new UnsafeBuffer[slots];
    }

    /**
     * Opens (creating and initializing on first use) a frame pool. Every process must pass the same three numbers.
     *
     * @param slots        frame slots, at least {@code maxConsumers + 2}.
     * @param slotSize     bytes per frame (e.g. {@code 1920 * 1080 * 4}).
     * @param maxConsumers consumers that may read at the same time.
     * @throws LayoutMismatchException when the region holds something else.
     */
    public static FramePool open(
        final RegistryClient client, final String name, final int slots, final int slotSize, final int maxConsumers)
    {
        if (maxConsumers < 1 || slots < maxConsumers + 2 || slots > MAX_SLOTS || slotSize < 1)
        {
            throw new IllegalArgumentException("need 1 <= maxConsumers, maxConsumers + 2 <= slots <= " + MAX_SLOTS +
                ", slotSize >= 1: slots=" + slots + ", slotSize=" + slotSize + ", maxConsumers=" + maxConsumers);
        }
        final long length = regionLength(slots, slotSize, maxConsumers);
        final int metadataEnd = slotsOffset(slots, maxConsumers);
        final TypedMapping mapping = TypedMapping.open(client, name, LayoutKind.FRAME_POOL, VERSION,
            new long[]{slots, slotSize, maxConsumers}, length,
            buffer -> TypedRegionHeader.clear(buffer, PUBLISHED_OFFSET, metadataEnd - PUBLISHED_OFFSET));
        final FramePool pool = new FramePool(mapping, slots, slotSize, maxConsumers);
        for (int i = 0; i < slots; i++)
        {
            pool.slotViews[i] = mapping.view(pool.slotOffset(i), slotSize);
        }
        return pool;
    }

    /** @return the region size a pool with these parameters needs. */
    public static long regionLength(final int slots, final int slotSize, final int maxConsumers)
    {
        return slotsOffset(slots, maxConsumers) + (long)slots * BitUtil.align(slotSize, 64);
    }

    private static int slotsOffset(final int slots, final int maxConsumers)
    {
        return BitUtil.align(CONSUMERS_OFFSET + maxConsumers * ENTRY_LENGTH + slots * DESCRIPTOR_LENGTH, 4096);
    }

    /** @return the region's name. */
    public String name()
    {
        return mapping.name();
    }

    /** @return the number of slots. */
    public int slots()
    {
        return slots;
    }

    /** @return bytes per slot. */
    public int slotSize()
    {
        return slotSize;
    }

    /** @return how many consumers may read at once. */
    public int maxConsumers()
    {
        return maxConsumers;
    }

    /** @return the sequence of the newest published frame (frames are numbered from 1), 0 before the first. */
    public long publishedSequence()
    {
        checkOpen();
        return buffer.getLongVolatile(PUBLISHED_OFFSET) >>> SLOT_BITS;
    }

    /**
     * @return the sequence of the frame in {@code slot}: positive once published, negative while being written,
     * 0 when never used. For monitoring and tests.
     */
    public long slotSequence(final int slot)
    {
        checkOpen();
        return buffer.getLongVolatile(descriptorOffset(slot) + DESCRIPTOR_SEQUENCE);
    }

    /**
     * @return consumers attached right now, in any process and any pid namespace: entries whose kernel lock is held
     * (a probe per used entry, so not for a hot loop).
     */
    public int consumerCount()
    {
        checkOpen();
        int count = 0;
        for (int i = 0; i < maxConsumers; i++)
        {
            if (0 != buffer.getLongVolatile(entryOffset(i) + ENTRY_IDENTITY) &&
                mapping.holder(RoleLocks.CONSUMERS + i) != RoleLocks.Holder.NONE)
            {
                count++;
            }
        }
        return count;
    }

    /** @return whether this handle (and its region) is open and the daemon still holds the region for this client. */
    public boolean isValid()
    {
        return mapping.isValid();
    }

    /**
     * Takes the producer role (one live process at a time, in whatever pid namespace; a dead producer's role and
     * numbering are taken over).
     *
     * @throws IllegalStateException when another live process (or this one) produces.
     */
    public FrameProducer producer()
    {
        checkOpen();
        final FileLock role = TypedRegionHeader.acquireRole(mapping, RoleLocks.WRITER,
            TypedRegionHeader.WRITER_ROLE_OFFSET, "producer", name());
        return new FrameProducer(this, role);
    }

    /**
     * Attaches a consumer: takes the kernel lock of a free entry (one nobody holds: never used, closed, or left by a
     * process that died), then writes the entry. A producer probing the entry at that moment holds its lock for a
     * few microseconds, so a busy entry is tried again briefly before giving up.
     *
     * @throws IllegalStateException when {@code maxConsumers} live consumers are attached.
     */
    public FrameConsumer consumer()
    {
        checkOpen();
        for (int pass = 0; pass < 50; pass++)
        {
            for (int i = 0; i < maxConsumers; i++)
            {
                final FileLock lock = mapping.tryTake(RoleLocks.CONSUMERS + i);
                if (null != lock)
                {
                    // The entry is ours: whatever it says was left by a dead owner. Only an entry's owner writes its
                    // claim, so clear it before claiming anything.
                    final int entry = entryOffset(i);
                    buffer.putLongVolatile(entry + ENTRY_CLAIM, 0);
                    buffer.putLongVolatile(entry + ENTRY_IDENTITY, ProcessIdentity.current());
                    return new FrameConsumer(this, i, lock);
                }
            }
            if (consumerCount() == maxConsumers)
            {
                break;
            }
            TypedRegionHeader.pause(200);
        }
        throw new IllegalStateException("frame pool " + name() + " has " + maxConsumers +
            " live consumers attached, the most it allows");
    }

    /**
     * Frees entries whose owner is gone: an entry in use whose kernel lock nobody holds (the kernel dropped it when
     * the owner died, in any pid namespace). The probe holds the lock while it clears the entry, so an owner
     * attaching at that moment waits for it.
     */
    void sweepDeadConsumers()
    {
        for (int i = 0; i < maxConsumers; i++)
        {
            final int entry = entryOffset(i);
            if (0 == buffer.getLongVolatile(entry + ENTRY_IDENTITY))
            {
                continue;
            }
            final FileLock probe = mapping.tryTake(RoleLocks.CONSUMERS + i);
            if (null != probe)
            {
                buffer.putLongVolatile(entry + ENTRY_CLAIM, 0);
                buffer.putLongVolatile(entry + ENTRY_IDENTITY, 0);
                mapping.release(probe);
            }
        }
    }

    /** @return whether a live-owned consumer entry claims {@code slot}. */
    boolean isClaimed(final int slot)
    {
        final long claim = slot + 1;
        for (int i = 0; i < maxConsumers; i++)
        {
            final int entry = entryOffset(i);
            if (buffer.getLongVolatile(entry + ENTRY_CLAIM) == claim &&
                0 != buffer.getLongVolatile(entry + ENTRY_IDENTITY))
            {
                return true;
            }
        }
        return false;
    }

    /** @return whether every attached consumer has taken the newest frame. */
    boolean consumersCaughtUp(final long sequence)
    {
        for (int i = 0; i < maxConsumers; i++)
        {
            final int entry = entryOffset(i);
            if (0 != buffer.getLongVolatile(entry + ENTRY_IDENTITY) &&
                buffer.getLongVolatile(entry + ENTRY_LAST_SEQUENCE) < sequence)
            {
                return false;
            }
        }
        return true;
    }

    AtomicBuffer buffer()
    {
        return buffer;
    }

    UnsafeBuffer slotView(final int slot)
    {
        return slotViews[slot];
    }

    int entryOffset(final int index)
    {
        return CONSUMERS_OFFSET + index * ENTRY_LENGTH;
    }

    int descriptorOffset(final int slot)
    {
        return descriptorsOffset + slot * DESCRIPTOR_LENGTH;
    }

    private int slotOffset(final int slot)
    {
        return slotsOffset + slot * slotStride;
    }

    void releaseProducer(final FileLock role)
    {
        TypedRegionHeader.releaseRole(mapping, TypedRegionHeader.WRITER_ROLE_OFFSET, role);
    }

    /** Clears the entry while still holding its lock, then gives the lock back. */
    void releaseConsumer(final int index, final FileLock lock)
    {
        if (!mapping.isClosed())
        {
            final int entry = entryOffset(index);
            buffer.putLongRelease(entry + ENTRY_CLAIM, 0);
            buffer.putLongVolatile(entry + ENTRY_IDENTITY, 0);
        }
        mapping.release(lock);
    }

    boolean isClosed()
    {
        return mapping.isClosed();
    }

    /** @throws io.zerocp.client.ClientClosedException when the pool is closed. */
    void checkOpen()
    {
        mapping.checkOpen("frame pool " + mapping.name());
    }

    /**
     * Unmaps, giving back the roles its producer and consumers hold (they throw
     * {@link io.zerocp.client.ClientClosedException} from then on); slot buffers handed out stop working (they
     * throw).
     */
    @Override
    public void close()
    {
        mapping.close();
    }

    @Override
    public String toString()
    {
        return "FramePool{" + mapping.name() + ", slots=" + slots + ", slotSize=" + slotSize + ", maxConsumers=" +
            maxConsumers + '}';
    }
}
