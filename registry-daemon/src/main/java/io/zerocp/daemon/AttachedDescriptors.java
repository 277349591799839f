package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.newsclub.net.unix.AFDatagramSocket;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.reflect.Method;

/**
 * The descriptors senders attach to requests on the junixsocket transport, taken off the request thread. junixsocket
 * cannot set {@code SO_PASSRIGHTS} (it sets options of its own levels only), so the kernel delivers them; what matters
 * is who closes them, because that close can block for as long as the sender chose (see {@link DescriptorCloser}).
 * <ul>
 * <li>With no control buffer (junixsocket's default) or one too small, the kernel closes the descriptors it could not
 * deliver itself, in the thread that called {@code recvmsg}, on its way back: the conductor froze there (issue 25).
 * junixsocket 2.10.1 caps {@code setAncillaryReceiveBufferSize} at 256 bytes (60 descriptors; measured), so the
 * buffer is sized here through its package-private setter: {@value #CONTROL_BYTES} bytes hold the 253 descriptors
 * ({@code SCM_MAX_FD}) one datagram can carry, so the kernel installs every one.</li>
 * <li>Installed, they are closed by the {@link DescriptorCloser}'s thread.</li>
 * </ul>
 * Conductor thread only (the receive path); the closer thread starts at the first attached descriptor.
 */
final class AttachedDescriptors implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AttachedDescriptors.class);
    /** {@code CMSG_SPACE(253 * 4)} is 1,032; junixsocket adds nothing of its own to a datagram's control data. */
    static final int CONTROL_BYTES = 2048;

    private DescriptorCloser<FileDescriptor[]> closer;

    /**
     * Gives {@code channel} a control buffer that holds every descriptor one datagram can carry.
     *
     * @return the buffer's size, smaller than {@link #CONTROL_BYTES} only if this junixsocket has no such setter.
     */
    static int makeRoom(final AFUNIXDatagramChannel channel)
    {
        try
        {
            final Method support = AFDatagramSocket.class.getDeclaredMethod("getAncillaryDataSupport");
            support.setAccessible(true);
            final Object data = support.invoke(channel.socket());
            final Method size = data.getClass().getDeclaredMethod("setAncillaryReceiveBufferSize0", int.class);
            size.setAccessible(true);
            size.invoke(data, CONTROL_BYTES);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            channel.ensureAncillaryReceiveBufferSize(CONTROL_BYTES);
            LOG.warn("cannot size junixsocket's control buffer past {} bytes ({}): a sender attaching more " +
                "descriptors than fit can stall the daemon while the kernel closes them", channel
                .getAncillaryReceiveBufferSize(), ex.toString());
        }
        return channel.getAncillaryReceiveBufferSize();
    }

    /**
     * Takes the descriptors the last receive installed, if any, and hands them to the closer thread. Costs one
     * synchronized emptiness check when there are none.
     */
    void takeFrom(final AFUNIXDatagramChannel channel, final Object sender)
    {
        final FileDescriptor[] attached;
        try
        {
            attached = channel.getReceivedFileDescriptors();
        }
        catch (final IOException ex)
        {
            return;
        }
        if (null == attached || attached.length == 0)
        {
            return;
        }
        if (null == closer)
        {
            closer = new DescriptorCloser<>(AttachedDescriptors::closeAll, "zerocpd-descriptor-closer");
        }
        closer.close(attached, attached.length, sender);
    }

    private static void closeAll(final FileDescriptor[] descriptors)
    {
        for (final FileDescriptor descriptor : descriptors)
        {
            if (null != descriptor && descriptor.valid())
            {
                // close(2) on this thread: a stream over the descriptor is the JDK 17 way to reach it.
                CloseHelper.quietClose(new FileInputStream(descriptor));
            }
        }
    }

    @Override
    public void close()
    {
        if (null != closer)
        {
            closer.close();
        }
    }
}
