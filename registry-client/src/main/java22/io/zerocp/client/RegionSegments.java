package io.zerocp.client;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;

/**
 * JDK 22+ only: a region as a {@link MemorySegment} of a shared {@link Arena}, for code that must survive the region
 * being closed while other threads still use it. Closing the region closes the arena first, and the JVM then makes
 * every access through the segment, in any thread, fail with {@link IllegalStateException}; an access through
 * {@link SharedRegion#buffer()} racing a close can crash the JVM instead. Use the segment when the threads that
 * touch a region are not under the closer's control, the buffer when they are (it is faster and Agrona-shaped).
 * <p>
 * The segment is a second mapping of the same file (same memory, other address), read-only for a read-only region.
 * Present only in a client jar built on JDK 22 or later; the rest of the client never refers to it.
 */
public final class RegionSegments
{
    private RegionSegments()
    {
    }

    /**
     * @return a segment over the whole region, valid until the region is closed.
     * @throws RegistryException when the region is closed or its file cannot be mapped again.
     */
    public static MemorySegment of(final SharedRegion region)
    {
        final Arena arena = Arena.ofShared();
        // The region's channel is an InterruptibleChannel: mapping with the interrupt status set would close it for
        // good. Cleared for the map and set again (see SharedRegion.fileSize).
        final boolean interrupted = Thread.interrupted();
        try
        {
            final MemorySegment segment = region.channel().map(region.isReadOnly() ? FileChannel.MapMode.READ_ONLY :
                FileChannel.MapMode.READ_WRITE, 0, region.size(), arena);
            region.closeFirst(arena::close);
            return segment;
        }
        catch (final IOException | RuntimeException ex)
        {
            arena.close();
            if (ex instanceof RegistryException)
            {
                throw (RegistryException)ex;
            }
            throw new RegistryException("cannot map region " + region.name() + " as a segment: " + ex.getMessage(),
                ex);
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
