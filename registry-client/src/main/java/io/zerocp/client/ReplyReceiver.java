package io.zerocp.client;

import io.zerocp.api.Protocol;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The receiving side of a connection's socket: reads one datagram without blocking, drops datagrams from anyone but
 * the daemon (closing what they passed), and keeps the descriptor a daemon reply passed until it is taken or
 * discarded. Used only by the connection's I/O thread.
 */
final class ReplyReceiver
{
    /** Returned by {@link #receive()} for a datagram from anyone but the daemon. */
    static final String NOT_FROM_DAEMON = new String("not from the daemon");

    private final AFUNIXDatagramChannel channel;
    private final DaemonIdentity daemonIdentity;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(Protocol.MAX_REPLY_LENGTH + 1);
    /** The descriptor that came with the reply being looked at. */
    private FileDescriptor receivedDescriptor;

    ReplyReceiver(final AFUNIXDatagramChannel channel, final DaemonIdentity daemonIdentity)
    {
        this.channel = channel;
        this.daemonIdentity = daemonIdentity;
    }

    /** @return a datagram's text, {@link #NOT_FROM_DAEMON}, or null when none is queued. */
    String receive() throws IOException
    {
        receiveBuffer.clear();
        final AFUNIXSocketAddress from = channel.receive(receiveBuffer);
        if (null == from && receiveBuffer.position() == 0)
        {
            return null;
        }
        final FileDescriptor[] fds = channel.getReceivedFileDescriptors();
        discard();
        if (!daemonIdentity.sentBy(from))
        {
            // Anyone on the host can send to this client's address (abstract names have no permissions), but only
            // the daemon can send from its socket paths.
            if (null != fds)
            {
                for (final FileDescriptor fd : fds)
                {
                    DatagramConnection.closeDescriptor(fd);
                }
            }
            return NOT_FROM_DAEMON;
        }
        if (null != fds && fds.length > 0)
        {
            receivedDescriptor = fds[0];
            for (int i = 1; i < fds.length; i++)
            {
                DatagramConnection.closeDescriptor(fds[i]);
            }
        }
        receiveBuffer.flip();
        final byte[] bytes = new byte[receiveBuffer.remaining()];
        receiveBuffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    void drain()
    {
        try
        {
            while (null != receive())
            {
                discard();
            }
        }
        catch (final IOException ignore)
        {
            // nothing queued that we can read
        }
    }

    boolean hasDescriptor()
    {
        return null != receivedDescriptor;
    }

    /** @return the descriptor of the last reply (the caller owns it now), or null. */
    FileDescriptor take()
    {
        final FileDescriptor fd = receivedDescriptor;
        receivedDescriptor = null;
        return fd;
    }

    void discard()
    {
        if (null != receivedDescriptor)
        {
            DatagramConnection.closeDescriptor(receivedDescriptor);
            receivedDescriptor = null;
        }
    }

    /**
     * @return whether the descriptor that came with the reply being checked is the file of region {@code name}, so a
     * late duplicate answer for another region is never taken for this one.
     */
    boolean descriptorIsRegion(final String name)
    {
        if (null == receivedDescriptor)
        {
            return false;
        }
        try
        {
            final int number = org.newsclub.net.unix.FileDescriptorCast.using(receivedDescriptor).as(Integer.class);
            final String target = java.nio.file.Files.readSymbolicLink(
                java.nio.file.Paths.get("/proc/self/fd/" + number)).toString();
            final String file = "/" + io.zerocp.api.Protocol.regionFileName(name);
            return target.endsWith(file) || target.endsWith(file + " (deleted)");
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

}
