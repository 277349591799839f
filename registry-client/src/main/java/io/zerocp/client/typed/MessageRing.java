package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.time.Duration;

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
 *     consumer.read((type, buffer, index, length) -> ...);
 * }
 * }</pre>
 * Region layout: the {@link TypedRegionHeader} (128 bytes), then the Agrona ring of {@code capacity} bytes plus its
 * trailer ({@link RingBufferDescriptor#TRAILER_LENGTH}). Every process must open it with the same kind and
 * capacity, or gets a {@link LayoutMismatchException}.
 * <p>
 * Crash safety: a producer killed between claiming space and committing it leaves a record the consumer cannot pass.
 * The {@link RingConsumer} notices when the head has not moved for its unblock timeout while messages are pending,
 * and calls Agrona's {@code unblock()}, which turns the dead record into padding. One-to-one rings get the same
 * treatment (same record layout; Agrona's {@code OneToOneRingBuffer.unblock()} is a no-op, so the consumer runs the
 * many-to-one algorithm over the same memory). The timeout must be longer than any live producer takes to write one
 * message, or a slow producer's record would be skipped.
 * <p>
 * Not thread-safe for one-to-one writes (one producer thread) or for {@link #close()}; many-to-one writes are.
 */
public final class MessageRing implements AutoCloseable
{
    /** Layout version of both ring kinds. */
    public static final int VERSION = 1;
    /** Default head-stuck time after which the consumer unblocks the ring. */
    public static final Duration DEFAULT_UNBLOCK_TIMEOUT = Duration.ofSeconds(2);

    private static final int RING_OFFSET = TypedRegionHeader.LENGTH;

    private final TypedMapping mapping;
    private final LayoutKind kind;
    private final UnsafeBuffer ringBuffer;
    private final RingBuffer ring;
    private boolean writer;

    private MessageRing(final TypedMapping mapping, final LayoutKind kind, final int capacity)
    {
        this.mapping = mapping;
        this.kind = kind;
        this.ringBuffer = mapping.view(RING_OFFSET, capacity + RingBufferDescriptor.TRAILER_LENGTH);
        this.ring = kind == LayoutKind.RING_ONE_TO_ONE ? new OneToOneRingBuffer(ringBuffer) :
            new ManyToOneRingBuffer(ringBuffer);
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
     * live producer gets {@link IllegalStateException}). Slightly faster than {@link #manyToOne}: no CAS per write.
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
     * @return {@code false} when there is no room (nothing was written).
     */
    public boolean write(final int msgTypeId, final DirectBuffer source, final int index, final int length)
    {
        checkWriter();
        return ring.write(msgTypeId, source, index, length);
    }

    /**
     * Claims room to write a message in place: write it into {@link #buffer()} at the returned index, then
     * {@link #commit} or {@link #abort}. Dying before either leaves a record the consumer unblocks after its timeout.
     *
     * @return the index to write at, or a negative value when there is no room.
     */
    public int tryClaim(final int msgTypeId, final int length)
    {
        checkWriter();
        return ring.tryClaim(msgTypeId, length);
    }

    /** Makes a claimed message visible to the consumer. */
    public void commit(final int index)
    {
        checkOpen();
        ring.commit(index);
    }

    /** Gives a claimed message up (the consumer skips it). */
    public void abort(final int index)
    {
        checkOpen();
        ring.abort(index);
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
        TypedRegionHeader.acquireRole(mapping.buffer(), TypedRegionHeader.READER_ROLE_OFFSET, "consumer", name());
        return new RingConsumer(this, ring, new ManyToOneRingBuffer(ringBuffer), unblockTimeout.toNanos());
    }

    void releaseConsumer()
    {
        if (!mapping.isClosed())
        {
            TypedRegionHeader.releaseRole(mapping.buffer(), TypedRegionHeader.READER_ROLE_OFFSET);
        }
    }

    void checkOpen()
    {
        if (mapping.isClosed())
        {
            throw new IllegalStateException("ring " + mapping.name() + " is closed");
        }
    }

    private void checkWriter()
    {
        if (!writer)
        {
            checkOpen();
            if (isOneToOne())
            {
                TypedRegionHeader.acquireRole(mapping.buffer(), TypedRegionHeader.WRITER_ROLE_OFFSET, "producer",
                    name());
            }
            writer = true;
        }
    }

    /** Gives up the producer role (one-to-one) and unmaps; consumers must be closed first. */
    @Override
    public void close()
    {
        if (mapping.isClosed())
        {
            return;
        }
        if (writer && isOneToOne())
        {
            TypedRegionHeader.releaseRole(mapping.buffer(), TypedRegionHeader.WRITER_ROLE_OFFSET);
        }
        mapping.close();
    }

    @Override
    public String toString()
    {
        return "MessageRing{" + mapping.name() + ", " + kind + ", capacity=" + ring.capacity() + '}';
    }
}
