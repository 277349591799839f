package io.zerocp.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes zeros over a range of a file, a chunk at a time from one direct buffer. On tmpfs a page is allocated when
 * first written, so this is how the daemon reserves space that a later write cannot fail to get (ENOSPC comes now,
 * from here, or never). One instance per owner thread.
 */
final class ZeroFill
{
    private final ByteBuffer zeros;

    ZeroFill(final int chunkBytes)
    {
        this.zeros = ByteBuffer.allocateDirect(chunkBytes);
    }

    /** Writes zeros over {@code [from, to)} of {@code target}. */
    void fill(final FileChannel target, final long from, final long to) throws IOException
    {
        long offset = from;
        while (offset < to)
        {
            zeros.clear().limit((int)Math.min(zeros.capacity(), to - offset));
            while (zeros.hasRemaining())
            {
                offset += target.write(zeros, offset);
            }
        }
    }
}
