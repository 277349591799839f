package io.zerocp.client;

import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A named region mapped into this process. {@link #buffer()} is an Agrona {@link UnsafeBuffer} straight over the
 * shared memory: what one process writes, every other process that mapped the region sees, with no copy.
 * <p>
 * {@link #close()} releases this process's hold on the region and unmaps it. Touching unmapped memory would crash
 * the JVM, so close first points the buffer at an empty array: a later access through the same {@code UnsafeBuffer}
 * throws {@link IndexOutOfBoundsException}, and {@link #buffer()} throws {@link IllegalStateException}. Two things
 * stay unsafe and are the caller's to avoid: wrapping the address in another buffer that outlives the region, and
 * closing the region while another thread is still reading or writing it. On JDK 22+, {@code RegionSegments.of}
 * gives a view over a shared {@code Arena} that turns that race into an exception.
 * <p>
 * Not thread-safe for {@code close()}; the buffer itself may be shared between threads as Agrona buffers are.
 */
public final class SharedRegion implements AutoCloseable
{
    private static final byte[] EMPTY = new byte[0];

    private final RegistryClient client;
    private final String name;
    private final Path path;
    private final long size;
    private final boolean readOnly;
    private final MappedByteBuffer mapping;
    private final UnsafeBuffer buffer;
    private final ReadOnlyRegionBuffer view;
    private volatile boolean closed;
    /** This client's hold on the region (null for an unregistered client); its {@code lost} flag is validity. */
    private final HoldTable.Hold hold;

    private final FileChannel file;
    private final FileDescriptor descriptor;
    /** Run by close() before the mapping goes (JDK 22+ segment arenas, see RegionSegments). */
    private final List<Runnable> closeFirst = new ArrayList<>();

    SharedRegion(
        final RegistryClient client,
        final String name,
        final RegionMapper.Mapping mapping,
        final boolean readOnly,
        final HoldTable.Hold hold)
    {
        this.hold = hold;
        this.client = client;
        this.name = name;
        this.path = mapping.path;
        this.size = mapping.size;
        this.readOnly = readOnly;
        this.mapping = mapping.buffer;
        this.file = mapping.channel;
        this.descriptor = mapping.descriptor;
        this.buffer = new UnsafeBuffer(this.mapping, 0, (int)Math.min(size, Integer.MAX_VALUE));
        this.view = new ReadOnlyRegionBuffer(buffer);
    }

    /** @return the region's name. */
    public String name()
    {
        return name;
    }

    /**
     * @return the region file's path, or {@code null} when the region came as a file descriptor
     * ({@link TransferMode#FD}), in which case there may be no path this process could open.
     */
    public Path path()
    {
        return path;
    }

    /** @return the region's size in bytes. */
    public long size()
    {
        return size;
    }

    /**
     * @return the size of the region's file right now ({@code fstat} on the descriptor this region keeps open), or
     * -1 when it cannot be read. Another holder may have shrunk it: touching the mapping beyond this size raises
     * SIGBUS, which the JVM turns into an {@link InternalError} for plain reads and writes (asynchronously on
     * JDK 17) but not for every bulk operation; the typed regions check this before a bulk fill.
     */
    public long fileSize()
    {
        // The channel is an InterruptibleChannel: called with the interrupt status set, size() would close it (and
        // this region's descriptor) for good. Cleared for the fstat and set again; only an interrupt that arrives
        // during the fstat itself still closes it.
        final boolean interrupted = Thread.interrupted();
        try
        {
            return file.size();
        }
        catch (final IOException ex)
        {
            return -1;
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return the open channel of the region's file, for mapping it again (JDK 22+: RegionSegments). */
    synchronized FileChannel channel()
    {
        checkOpen();
        return file;
    }

    /** Runs {@code action} when the region closes, before anything is unmapped. */
    synchronized void closeFirst(final Runnable action)
    {
        checkOpen();
        closeFirst.add(action);
    }

    /** @return whether the mapping is read-only. */
    public boolean isReadOnly()
    {
        return readOnly;
    }

    /**
     * @return a read-write view of the whole region (the first 2 GiB of a larger one).
     * @throws IllegalStateException when the region is closed or read-only: a write to a read-only mapping would
     *                               crash the JVM, so read-only regions only give {@link #view()}.
     */
    public UnsafeBuffer buffer()
    {
        checkOpen();
        if (readOnly)
        {
            throw new IllegalStateException("region " + name + " is mapped read-only; use view()");
        }
        return buffer;
    }

    /**
     * @return a view for reading, which works for read-only and read-write regions alike; it is a
     * {@link ReadOnlyRegionBuffer}, which no cast makes writable.
     * @throws IllegalStateException when the region is closed.
     */
    public DirectBuffer view()
    {
        checkOpen();
        return view;
    }

    /**
     * @return {@code true} while the daemon holds this region for this client and the region is open; {@code false}
     * once it is closed or lost (see {@link RegionLostException}). Cheap: two volatile reads, no system call.
     * <p>
     * The client's lease thread finds a lost region (deleted by an operator, unlinked or made again while this
     * client's lease had lapsed, refused on re-take after the daemon lost its state) within one lease-renewal
     * interval (a third of the TTL) and turns this false, once and for good; it also calls the client's
     * {@link RegionLostHandler}. The mapping keeps working, but other processes that acquire the name from then on
     * get other memory: close this region and acquire it again. An unregistered client
     * ({@code register(false)}) holds nothing, and this only says whether the region is open.
     */
    public boolean isValid()
    {
        return !closed && (null == hold || !hold.lost);
    }

    /**
     * Asks the daemon now whether this region is still the one it has under this name for this client (what the
     * lease thread does by itself at every renewal).
     *
     * @throws RegionLostException         when it is not (see {@link #isValid()}).
     * @throws ClientClosedException       when the client is closed.
     * @throws IllegalStateException       when this region is closed.
     * @throws RegistryUnavailableException when no daemon answered in time.
     */
    public void verify()
    {
        checkOpen();
        client.verify(this, hold);
    }

    /** @return whether {@link #close()} has been called. */
    public boolean isClosed()
    {
        return closed;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("region " + name + " is closed");
        }
    }

    /**
     * Releases the hold and unmaps. Safe to call twice. Other processes' mappings are unaffected; the daemon unlinks
     * the file when the last holder is gone.
     */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        for (final Runnable action : closeFirst)
        {
            action.run();
        }
        buffer.wrap(EMPTY);
        IoUtil.unmap(mapping);
        RegionMapper.closeFile(file, descriptor);
        client.onRegionClosed(hold);
    }

    @Override
    public String toString()
    {
        return "SharedRegion{" + name + ", " + size + " bytes" + (readOnly ? ", read-only" : "") +
            (null != path ? ", " + path : "") + (closed ? ", closed" : "") + (null != hold && hold.lost ? ", lost" : "") + '}';
    }
}
