package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;

import java.nio.channels.FileLock;

/**
 * A named region holding an Agrona broadcast buffer: one transmitter, any number of receivers in any processes.
 * The transmitter never waits for receivers; a receiver that falls more than the capacity behind is lapped and skips
 * ahead, and is told exactly how many messages it lost ({@link BroadcastSubscriber#lostMessages()}).
 * <pre>{@code
 * try (BroadcastRegion region = BroadcastRegion.open(client, "status", 1 << 20);
 *      BroadcastPublisher publisher = region.publisher())
 * {
 *     publisher.transmit(1, message, 0, length);
 * }
 * // elsewhere
 * try (BroadcastRegion region = BroadcastRegion.open(client, "status", 1 << 20);
 *      BroadcastSubscriber subscriber = region.subscriber())
 * {
 *     subscriber.poll((type, buffer, index, length) -> ...);
 * }
 * }</pre>
 * Region layout: {@link TypedRegionHeader} (128 bytes); at 128 the sequence of the last message transmitted; at 256
 * the Agrona broadcast buffer ({@code capacity} + {@link BroadcastBufferDescriptor#TRAILER_LENGTH}). Every message
 * carries an 8-byte sequence before the caller's bytes; receivers count the gaps, which is how loss is counted
 * exactly (Agrona's lapped count says only that loss happened).
 */
public final class BroadcastRegion implements AutoCloseable
{
    /** Layout version: 2 since the transmitter role is a kernel record lock (see {@link RoleLocks}). */
    public static final int VERSION = 2;

    static final int SEQUENCE_OFFSET = TypedRegionHeader.LENGTH;
    private static final int BUFFER_OFFSET = 256;

    private final TypedMapping mapping;
    private final int capacity;

    private BroadcastRegion(final TypedMapping mapping, final int capacity)
    {
        this.mapping = mapping;
        this.capacity = capacity;
    }

    /**
     * Opens (creating and initializing on first use) a broadcast region.
     *
     * @param capacity data bytes, a power of two; the longest message is an eighth of it minus 8 bytes.
     * @throws LayoutMismatchException when the region holds something else.
     */
    public static BroadcastRegion open(final RegistryClient client, final String name, final int capacity)
    {
        if (!BitUtil.isPowerOfTwo(capacity) || capacity < 64)
        {
            throw new IllegalArgumentException("broadcast capacity must be a power of two >= 64: " + capacity);
        }
        final TypedMapping mapping = TypedMapping.open(client, name, LayoutKind.BROADCAST, VERSION,
            new long[]{capacity}, regionLength(capacity),
            buffer -> TypedRegionHeader.clear(buffer, SEQUENCE_OFFSET, (int)regionLength(capacity) - SEQUENCE_OFFSET));
        return new BroadcastRegion(mapping, capacity);
    }

    /** @return the region size a broadcast buffer of {@code capacity} needs. */
    public static long regionLength(final int capacity)
    {
        return (long)BUFFER_OFFSET + capacity + BroadcastBufferDescriptor.TRAILER_LENGTH;
    }

    /** @return the region's name. */
    public String name()
    {
        return mapping.name();
    }

    /** @return data capacity in bytes. */
    public int capacity()
    {
        return capacity;
    }

    /** @return sequence number of the last message transmitted (messages are numbered from 1). */
    public long lastSequence()
    {
        checkOpen();
        return mapping.buffer().getLongVolatile(SEQUENCE_OFFSET);
    }

    /**
     * Takes the transmitter role (one live process at a time; a dead transmitter's role is taken over).
     *
     * @throws IllegalStateException when another live process (or this one) transmits.
     */
    public BroadcastPublisher publisher()
    {
        checkOpen();
        final FileLock role = TypedRegionHeader.acquireRole(mapping, RoleLocks.WRITER,
            TypedRegionHeader.WRITER_ROLE_OFFSET, "transmitter", name());
        return new BroadcastPublisher(this, mapping.buffer(), newView(), role);
    }

    /** @return a new receiver that sees the messages transmitted from now on. Receivers need no role. */
    public BroadcastSubscriber subscriber()
    {
        checkOpen();
        return new BroadcastSubscriber(this, mapping.buffer(), newView());
    }

    private UnsafeBuffer newView()
    {
        return mapping.view(BUFFER_OFFSET, capacity + BroadcastBufferDescriptor.TRAILER_LENGTH);
    }

    void releasePublisher(final FileLock role)
    {
        TypedRegionHeader.releaseRole(mapping, TypedRegionHeader.WRITER_ROLE_OFFSET, role);
    }

    /** @return whether this region is open and the daemon still holds it for this client. */
    public boolean isValid()
    {
        return mapping.isValid();
    }

    /** @throws io.zerocp.client.ClientClosedException when the region is closed. */
    void checkOpen()
    {
        mapping.checkOpen("broadcast region " + mapping.name());
    }

    /** Unmaps; publishers and subscribers stop working (they throw), close the publisher first to free its role. */
    @Override
    public void close()
    {
        mapping.close();
    }
}
