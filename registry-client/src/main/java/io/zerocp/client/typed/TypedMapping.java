package io.zerocp.client.typed;

import io.zerocp.api.ErrorReply;
import io.zerocp.client.RegistryClient;
import io.zerocp.client.RegistryException;
import io.zerocp.client.SharedRegion;
import io.zerocp.client.ClientClosedException;
import io.zerocp.client.TypedRegionFiles;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.channels.FileLock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A region opened as a typed layout, every buffer handed out over parts of it, and the role locks taken on its file
 * (see {@link RoleLocks}). {@link #close()} releases those locks and points each of those buffers at an empty array
 * before unmapping, so a late access throws instead of crashing the JVM (the same rule as {@link SharedRegion}).
 * <p>
 * Thread-safe for taking and releasing roles; {@link #close()} must not race the structure's own use.
 */
final class TypedMapping implements AutoCloseable
{
    private static final byte[] EMPTY = new byte[0];

    private final SharedRegion region;
    private final UnsafeBuffer buffer;
    private final List<UnsafeBuffer> views = new ArrayList<>();
    private final RoleLocks locks;
    /** Role locks this mapping holds; guarded by {@code this}. */
    private final List<FileLock> held = new ArrayList<>();
    private volatile boolean closed;

    private TypedMapping(final SharedRegion region)
    {
        this.region = region;
        this.buffer = region.buffer();
        this.locks = RoleLocks.open(region, TypedRegionFiles.channel(region));
    }

    /**
     * Maps {@code name} at the size the layout needs (creating it if new), then initializes or validates the
     * header.
     *
     * @throws LayoutMismatchException when the region exists with another size or layout.
     */
    static TypedMapping open(
        final RegistryClient client,
        final String name,
        final LayoutKind kind,
        final int version,
        final long[] parameters,
        final long length,
        final Consumer<AtomicBuffer> resetBody)
    {
        if (length > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(kind.describe(version, parameters) + " needs " + length +
                " bytes; typed regions are limited to 2 GiB");
        }
        final SharedRegion region;
        try
        {
            region = client.acquireRaw(name, length);
        }
        catch (final RegistryException ex)
        {
            if (ex.error() == ErrorReply.SIZE_MISMATCH)
            {
                throw new LayoutMismatchException("region " + name + " exists with another size and holds " +
                    existingLayout(client, name) + "; opened as " + kind.describe(version, parameters) +
                    ", which needs " + length + " bytes", ex);
            }
            throw ex;
        }
        final TypedMapping mapping = new TypedMapping(region);
        try
        {
            TypedRegionHeader.initOrValidate(mapping.buffer, name, kind, version, parameters, length, resetBody,
                region::fileSize, mapping);
        }
        catch (final RuntimeException ex)
        {
            mapping.close();
            throw ex;
        }
        return mapping;
    }

    /** Tests only: a typed mapping over a region mapped elsewhere, to drive the header protocol by hand. */
    static TypedMapping over(final SharedRegion region)
    {
        return new TypedMapping(region);
    }

    private static String existingLayout(final RegistryClient client, final String name)
    {
        try
        {
            final SharedRegion existing = client.acquireReadOnly(name);
            // Registered like a typed mapping: its close must not drop this process's role locks on the file.
            final RoleLocks group = RoleLocks.open(existing, null);
            try
            {
                return TypedRegionHeader.describe(existing.view());
            }
            finally
            {
                group.close(existing);
            }
        }
        catch (final RuntimeException ex)
        {
            return "an unreadable layout (" + ex.getMessage() + ")";
        }
    }

    String name()
    {
        return region.name();
    }

    /** @return the whole region (header included); only for this package's own bookkeeping words. */
    AtomicBuffer buffer()
    {
        return buffer;
    }

    /** @return a buffer over {@code [offset, offset + length)}, invalidated on close. */
    UnsafeBuffer view(final int offset, final int length)
    {
        final UnsafeBuffer view = new UnsafeBuffer(buffer, offset, length);
        views.add(view);
        return view;
    }

    /** @return the file's size now (fstat), or -1 when unknown. */
    long fileSize()
    {
        return region.fileSize();
    }

    boolean isClosed()
    {
        return closed;
    }

    /** @return false once this mapping is closed or the daemon no longer holds the region for this client. */
    boolean isValid()
    {
        return !closed && region.isValid();
    }

    /** @throws ClientClosedException when closed, naming {@code what} (e.g. "frame pool camera0"). */
    void checkOpen(final String what)
    {
        if (closed)
        {
            throw new ClientClosedException(what + " is closed");
        }
    }

    /**
     * Takes role {@code slot} (see {@link RoleLocks}) when nobody holds it.
     *
     * @return the lock, or {@code null} when another process or this one holds the role.
     */
    synchronized FileLock tryTake(final int slot)
    {
        checkOpen("region " + region.name());
        final FileLock lock = locks.tryTake(slot);
        if (null != lock)
        {
            held.add(lock);
        }
        return lock;
    }

    /** @return who holds role {@code slot} now. */
    RoleLocks.Holder holder(final int slot)
    {
        return locks.holder(slot);
    }

    /** Gives a role back (no-op for {@code null} or once closed, when close gave it back). */
    synchronized void release(final FileLock lock)
    {
        if (null != lock && held.remove(lock))
        {
            locks.release(lock);
        }
    }

    /** Gives every role back, invalidates the views and closes the region (see {@link RoleLocks#close}). */
    @Override
    public void close()
    {
        final List<FileLock> roles;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            roles = new ArrayList<>(held);
            held.clear();
        }
        for (final UnsafeBuffer view : views)
        {
            view.wrap(EMPTY);
        }
        roles.forEach(locks::release);
        locks.close(region);
    }
}
