package io.zerocp.client;

import org.agrona.UnsafeApi;
import org.newsclub.net.unix.FileDescriptorCast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;

/**
 * File channels over descriptors received from the daemon, closed without help from the garbage collector.
 * <p>
 * A read-only channel is a {@link FileInputStream}'s, which closes the descriptor with it. A read-write channel
 * needs junixsocket's {@code FileDescriptorCast}, which builds a {@link RandomAccessFile} over a temporary file and
 * swaps the received descriptor into it; closing its channel swaps the temporary file's descriptor back but leaves
 * it open until the {@code RandomAccessFile} is collected (measured: one {@code /tmp/juxN.sock (deleted)} per
 * mapping, {@code Too many open files} under {@code ulimit -n 200}). {@link #close} therefore also closes that
 * one, reaching the {@code RandomAccessFile} through the channel's {@code parent} field with Agrona's Unsafe (the
 * client already needs {@code --add-exports java.base/jdk.internal.misc}); where the field cannot be found the
 * descriptor is left to the collector and this is logged once.
 */
final class DescriptorChannels
{
    private static final Logger LOG = LoggerFactory.getLogger(DescriptorChannels.class);
    private static final long PARENT_OFFSET = parentOffset();

    private DescriptorChannels()
    {
    }

    /** @return a channel over {@code fd}; {@link #close(FileChannel, FileDescriptor)} closes both. */
    static FileChannel open(final FileDescriptor fd, final boolean readOnly) throws IOException
    {
        return readOnly ? new FileInputStream(fd).getChannel() : FileDescriptorCast.using(fd).as(FileChannel.class);
    }

    /** Closes a channel from {@link #open}, every descriptor it opened of its own, and {@code fd}. */
    static void close(final FileChannel channel, final FileDescriptor fd)
    {
        final Object parent = PARENT_OFFSET >= 0 ? UnsafeApi.getReference(channel, PARENT_OFFSET) : null;
        try
        {
            channel.close();
            if (parent instanceof RandomAccessFile)
            {
                // FileDescriptorCast's stand-in file: its close() put the stand-in's descriptor back and kept it.
                new FileInputStream(((RandomAccessFile)parent).getFD()).close();
            }
        }
        catch (final IOException ex)
        {
            LOG.debug("closing a descriptor channel: {}", ex.getMessage());
        }
        DatagramConnection.closeDescriptor(fd);
    }

    private static long parentOffset()
    {
        try
        {
            return UnsafeApi.objectFieldOffset(Class.forName("sun.nio.ch.FileChannelImpl"), "parent");
        }
        catch (final ClassNotFoundException | RuntimeException | LinkageError | InternalError ex)
        {
            LoggerFactory.getLogger(DescriptorChannels.class).warn("cannot find FileChannelImpl.parent ({}): " +
                "descriptor-mode mappings leave one descriptor each to the garbage collector", ex.toString());
            return -1;
        }
    }
}
