package io.zerocp.client.typed;

import io.zerocp.api.ErrorReply;
import io.zerocp.client.RegistryClient;
import io.zerocp.client.RegistryException;
import io.zerocp.client.SharedRegion;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A region opened as a typed layout, and every buffer handed out over parts of it. {@link #close()} points each of
 * those buffers at an empty array before unmapping, so a late access throws instead of crashing the JVM (the same
 * rule as {@link SharedRegion}).
 */
final class TypedMapping implements AutoCloseable
{
    private static final byte[] EMPTY = new byte[0];

    private final SharedRegion region;
    private final UnsafeBuffer buffer;
    private final List<UnsafeBuffer> views = new ArrayList<>();
    private boolean closed;

    private TypedMapping(final SharedRegion region)
    {
        this.region = region;
        this.buffer = region.buffer();
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
            region = client.acquire(name, length);
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
                region::fileSize);
        }
        catch (final RuntimeException ex)
        {
            mapping.close();
            throw ex;
        }
        return mapping;
    }

    private static String existingLayout(final RegistryClient client, final String name)
    {
        try (SharedRegion existing = client.acquire(name))
        {
            return TypedRegionHeader.describe(existing.buffer());
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

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final UnsafeBuffer view : views)
        {
            view.wrap(EMPTY);
        }
        region.close();
    }
}
