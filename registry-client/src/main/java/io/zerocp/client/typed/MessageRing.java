package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.channels.FileLock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A named region holding an Agrona message ring: commands and small messages from many producers (or one, see
 * {@link #oneToOne}) to one consumer, in order per producer and never dropped: {@link #write} returns
 * {@code false} when the ring is full, and the caller decides whether to retry.
 * <pre>{@code
 * try (MessageRing ring = MessageRing.manyToOne(client, "commands", 64 * 1024))
 * {
 *     ring.write(1, message, 0, message.capacity());           // any process, any thread
 * }
 * try (MessageRing ring = MessageRing.manyToOne(client, "commands", 64 * 1024);
 *      RingConsumer consumer = ring.consumer())               // one process at a time
 * {
 *     consumer.poll((type, buffer, index, length) -> ...);
 * }
 * }</pre>
 * Region layout: the {@link TypedRegionHeader} (128 bytes), then the Agrona ring of {@code capacity} bytes plus its
 * trailer ({@link RingBufferDescriptor#TRAILER_LENGTH}). Every process must open it with the same kind and
 * capacity, or gets a {@link LayoutMismatchException}.
 * <p>
 * Crash safety: a producer killed between claiming space and committing it leaves a record the consumer cannot pass.
 * The {@link RingConsumer} notices when the head has not moved for its unblock timeout while messages are pending,
 * and unblocks it (Agrona's algorithm, with a CAS, see {@link RingClaims}), which turns the dead record into padding.
 * One-to-one rings get the same treatment (same record layout and claim code). The timeout must be longer than any
 * live producer takes to write one message: a producer that stalls longer has its claim unblocked, and then
 * {@link #commit}/{@link #abort} throw {@link ClaimUnblockedException} while {@link #write} writes the message again.
 * <p>
 * Not thread-safe for one-to-one writes (one producer thread) or for {@link #close()}; many-to-one writes are.
 */
public final class MessageRing implements AutoCloseable
{
    /**
     * Layout version of both ring kinds: 2 since roles are kernel record locks (see {@link RoleLocks}) and record
     * headers change only by CAS (see {@link RingClaims}).
     */
    public static final int VERSION = 2;
    /** Default head-stuck time after which the consumer unblocks the ring. */
    public static final Duration DEFAULT_UNBLOCK_TIMEOUT = Duration.ofSeconds(2);

    private static final int RING_OFFSET = TypedRegionHeader.LENGTH;

    private final TypedMapping mapping;
    private final LayoutKind kind;
    private final UnsafeBuffer ringBuffer;
    private final RingBuffer ring;
    private final RingClaims claims;
    private final AtomicLong rewrites = new AtomicLong();
    /** Per record offset / 8: the position of a {@link #tryClaim} not yet committed (-1 when none), and its time. */
    private volatile long[] claimPositions;
    private long[] claimTimes;
    /** Tests only: runs inside {@link #write} between the claim and the commit. */
    Runnable afterWriteClaim;
    private volatile FileLock writerRole;
    private volatile boolean writer;

    private MessageRing(final TypedMapping mapping, final LayoutKind kind, final int capacity)
    {
        this.mapping = mapping;
        this.kind = kind;
        this.ringBuffer = mapping.view(RING_OFFSET, capacity + RingBufferDescriptor.TRAILER_LENGTH);
        this.ring = kind == LayoutKind.RING_ONE_TO_ONE ? new OneToOneRingBuffer(ringBuffer) :
            new ManyToOneRingBuffer(ringBuffer);
        this.claims = new RingClaims(ringBuffer, mapping.name());
    }

    /**
     * Opens (creating and initializing on first use) a ring that any number of processes may write to.
     *
     * @param capacity data bytes, a power of two; the largest message is an eighth of it.
     * @throws LayoutMismatchException when the region holds something else.
     */
    public static MessageRing manyToOne(final RegistryClient client, final String name, final int capacity)
    {
        return open(client, name, capacity, LayoutKind.RING_MANY_TO_ONE);
    }

    /**
     * Opens a ring with exactly one producer process at a time (the first write takes the producer role; a second
     * live producer, in any pid namespace, gets {@link IllegalStateException}). Same claim code as {@link #manyToOne}.
     */
    public static MessageRing oneToOne(final RegistryClient client, final String name, final int capacity)
    {
        return open(client, name, capacity, LayoutKind.RING_ONE_TO_ONE);
    }

    private static MessageRing open(
        final RegistryClient client, final String name, final int capacity, final LayoutKind kind)
    {
        if (!BitUtil.isPowerOfTwo(capacity) || capacity < 64)
        {
            throw new IllegalArgumentException("ring capacity must be a power of two >= 64: " + capacity);
        }
        final long length = regionLength(capacity);
        final TypedMapping mapping = TypedMapping.open(client, name, kind, VERSION, new long[]{capacity}, length,
            buffer -> TypedRegionHeader.clear(buffer, RING_OFFSET, capacity + RingBufferDescriptor.TRAILER_LENGTH));
        try
        {
            return new MessageRing(mapping, kind, capacity);
        }
        catch (final RuntimeException ex)
        {
            mapping.close();
            throw ex;
        }
    }

    /** @return the region size a ring of {@code capacity} needs. */
    public static long regionLength(final int capacity)
    {
        return (long)RING_OFFSET + capacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /** @return the region's name. */
    public String name()
    {
        return mapping.name();
    }

    /** @return whether this is a one-to-one ring. */
    public boolean isOneToOne()
    {
        return kind == LayoutKind.RING_ONE_TO_ONE;
    }

    /** @return data capacity in bytes. */
    public int capacity()
    {
        return ring.capacity();
    }

    /** @return the longest message that fits. */
    public int maxMessageLength()
    {
        return ring.maxMsgLength();
    }

    /** @return bytes waiting to be read. */
    public int size()
    {
        return ring.size();
    }

    /** @return bytes ever claimed by producers (the tail). */
    public long producerPosition()
    {
        return ring.producerPosition();
    }

    /** @return bytes ever consumed (the head). */
    public long consumerPosition()
    {
        return ring.consumerPosition();
    }

    /**
     * Copies a message into the ring.
     *
     * @param msgTypeId a positive type id the consumer sees.
     * @return {@code false} when there is no room (nothing was written); {@code true} only for a message committed
     * for the consumer: should the consumer unblock this write's claim (this thread stalled between claiming and
     * committing for longer than the unblock timeout), the message is claimed and written again.
     */
    public boolean write(final int msgTypeId, final DirectBuffer source, final int index, final int length)
    {
        checkWriter();
        while (true)
        {
            final long position = claims.claim(msgTypeId, length);
            if (RingClaims.NO_ROOM == position)
            {
                return false;
            }
            ringBuffer.putBytes(claims.messageOffset(position), source, index, length);
            final Runnable hook = afterWriteClaim;
            if (null != hook)
            {
                hook.run();
            }
            if (claims.finish(position, true))
            {
                return true;
            }
            rewrites.incrementAndGet();
        }
    }

    /** @return how many times {@link #write} found its claim unblocked by the consumer and wrote the message again. */
    public long rewrites()
    {
        return rewrites.get();
    }

    /**
     * Claims room to write a message in place: write it into {@link #buffer()} at the returned index, then
     * {@link #commit} or {@link #abort}. Dying before either leaves a record the consumer unblocks after its timeout;
     * stalling that long makes {@code commit}/{@code abort} throw {@link ClaimUnblockedException}.
     *
     * @return the index to write at, or a negative value when there is no room.
     */
    public int tryClaim(final int msgTypeId, final int length)
    {
        checkWriter();
        final long position = claims.claim(msgTypeId, length);
        if (RingClaims.NO_ROOM == position)
        {
            return (int)RingClaims.NO_ROOM;
        }
        final int index = claims.messageOffset(position);
        final int slot = claimSlot(index);
        claimTimes[slot] = System.nanoTime();
        claimPositions[slot] = position;
        return index;
    }

    /**
     * Makes a claimed message visible to the consumer.
     *
     * @throws ClaimUnblockedException when the consumer unblocked the claim first (the message is discarded).
     * @throws IllegalStateException   when {@code index} holds no claim of this ring (committed or aborted already).
     */
    public void commit(final int index)
    {
        finish(index, true);
    }

    /**
     * Gives a claimed message up (the consumer skips it).
     *
     * @throws ClaimUnblockedException when the consumer unblocked the claim first.
     * @throws IllegalStateException   when {@code index} holds no claim of this ring.
     */
    public void abort(final int index)
    {
        finish(index, false);
    }

    private void finish(final int index, final boolean commit)
    {
        checkOpen();
        final int slot = claimSlot(index);
        final long position = claimPositions[slot];
        if (position < 0)
        {
            throw new IllegalStateException("no claim at index " + index + " of ring " + name() +
                " (committed or aborted already)");
        }
        claimPositions[slot] = -1;
        if (!claims.finish(position, commit))
        {
            throw new ClaimUnblockedException(name(), index,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - claimTimes[slot]));
        }
    }

    /** @return the claim-table slot of message index {@code index}, allocating the tables on first use. */
    private int claimSlot(final int index)
    {
        final int record = index - RecordDescriptor.HEADER_LENGTH;
        if (record < 0 || record >= ring.capacity() || (record & (RecordDescriptor.ALIGNMENT - 1)) != 0)
        {
            throw new IllegalArgumentException("index " + index + " is not a claim index of ring " + name());
        }
        if (null == claimPositions)
        {
            synchronized (this)
            {
                if (null == claimPositions)
                {
                    final long[] positions = new long[ring.capacity() / RecordDescriptor.ALIGNMENT];
                    java.util.Arrays.fill(positions, -1);
                    claimTimes = new long[positions.length];
                    claimPositions = positions;
                }
            }
        }
        return record / RecordDescriptor.ALIGNMENT;
    }

    /**
     * @return the ring's buffer, to write claimed messages into; it is pointed at an empty array when this ring is
     * closed, so never wrap its address in another buffer.
     */
    public AtomicBuffer buffer()
    {
        checkOpen();
        return ringBuffer;
    }

    /**
     * Takes the consumer role (one consumer process at a time; a dead consumer's role is taken over) with the
     * {@link #DEFAULT_UNBLOCK_TIMEOUT}.
     *
     * @throws IllegalStateException when another live process (or this one) is the consumer.
     */
    public RingConsumer consumer()
    {
        return consumer(DEFAULT_UNBLOCK_TIMEOUT);
    }

    /**
     * @param unblockTimeout how long the head may be stuck on an unfinished record with messages behind it before
     *                       the record is skipped; {@link Duration#ZERO} never unblocks.
     */
    public RingConsumer consumer(final Duration unblockTimeout)
    {
        checkOpen();
        final FileLock role = TypedRegionHeader.acquireRole(mapping, RoleLocks.READER,
            TypedRegionHeader.READER_ROLE_OFFSET, "consumer", name());
        return new RingConsumer(this, ring, claims, unblockTimeout.toNanos(), role);
    }

    void releaseConsumer(final FileLock role)
    {
        TypedRegionHeader.releaseRole(mapping, TypedRegionHeader.READER_ROLE_OFFSET, role);
    }

    /** @return whether this ring is open and the daemon still holds its region for this client. */
    public boolean isValid()
    {
        return mapping.isValid();
    }

    /** @throws io.zerocp.client.ClientClosedException when the ring is closed. */
    void checkOpen()
    {
        mapping.checkOpen("ring " + mapping.name());
    }

    private void checkWriter()
    {
        if (!writer)
        {
            synchronized (this)
            {
                checkOpen();
                if (!writer && isOneToOne())
                {
                    writerRole = TypedRegionHeader.acquireRole(mapping, RoleLocks.WRITER,
                        TypedRegionHeader.WRITER_ROLE_OFFSET, "producer", name());
                }
                writer = true;
            }
        }
        else
        {
            checkOpen();
        }
    }

    /** Gives up the producer role (one-to-one) and any consumer's, and unmaps. Safe to call twice. */
    @Override
    public void close()
    {
        if (mapping.isClosed())
        {
            return;
        }
        if (null != writerRole)
        {
            TypedRegionHeader.releaseRole(mapping, TypedRegionHeader.WRITER_ROLE_OFFSET, writerRole);
        }
        mapping.close();
    }

    @Override
    public String toString()
    {
        return "MessageRing{" + mapping.name() + ", " + kind + ", capacity=" + ring.capacity() + '}';
    }
}
