package io.zerocp.daemon;

import io.zerocp.api.Protocol;
import org.agrona.CloseHelper;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;

/**
 * The daemon's AF_UNIX datagram socket through junixsocket (the JDK 17 fallback of {@link Transport}): non-blocking
 * receive of one request at a time, non-blocking replies. It lacks what {@code NativeTransport} has: exact abstract
 * sender names (junixsocket pads them, so they are trimmed here), an answer to the empty datagram (junixsocket
 * reports it like an empty queue), per-datagram credentials, and descriptor replies from the main socket.
 * <p>
 * A reply never blocks: the kernel queues at most {@code net.unix.max_dgram_qlen} (10) datagrams per socket, so a
 * blocking send to a client that never reads would stall every other client. A full queue or a dead peer just drops
 * the reply. Requests are received into a buffer one byte longer than the limit because junixsocket truncates
 * silently: a full buffer means the datagram was too long.
 */
final class DatagramTransport implements Transport
{
    private static final Logger LOG = LoggerFactory.getLogger(DatagramTransport.class);
    private static final int RECEIVE_CAPACITY = Protocol.MAX_REQUEST_LENGTH + 1;

    private final Path socketPath;
    private final Path descriptorSocketPath;
    private final AFUNIXDatagramChannel channel;
    private final Selector selector;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(RECEIVE_CAPACITY);
    private final byte[] requestBytes = new byte[RECEIVE_CAPACITY];
    private final AFUNIXDatagramChannel descriptorChannel;
    private final AttachedDescriptors attached = new AttachedDescriptors(); // closed off this thread (issue 25)
    /** False for a socket passed by a supervisor: its file is the supervisor's, never removed here. */
    private boolean ownsSocketFile = true;
    private AFUNIXSocketAddress lastReceived;
    private AFUNIXSocketAddress sender;
    private ClientAddress senderKey;
    private long unboundSenders;
    private boolean closed;
    private boolean keepFiles;

    private DatagramTransport(
        final Path socketPath,
        final AFUNIXDatagramChannel channel,
        final Selector selector,
        final Path descriptorSocketPath,
        final AFUNIXDatagramChannel descriptorChannel)
    {
        this.socketPath = socketPath;
        this.channel = channel;
        this.selector = selector;
        this.descriptorSocketPath = descriptorSocketPath;
        this.descriptorChannel = descriptorChannel;
    }

    /**
     * Binds the socket, replacing a stale socket file (the caller holds the instance lock, so no live daemon owns it).
     */
    static DatagramTransport bind(final Path socket, final Set<PosixFilePermission> mode) throws IOException
    {
        // Absolute, so the sender address clients see on replies names the socket file however they spelled it.
        final Path socketPath = socket.toAbsolutePath();
        SocketFiles.removeStale(socketPath);
        return serve(socketPath, AFUNIXDatagramChannel.open(), true, mode);
    }

    /**
     * Serves a socket a supervisor bound and passed as descriptor {@code fd} (socket activation); only the side
     * socket is bound here. The socket file stays the supervisor's.
     */
    static DatagramTransport adopt(final int fd, final Path socket, final Set<PosixFilePermission> mode)
        throws IOException
    {
        final Path socketPath = socket.toAbsolutePath();
        final AFUNIXDatagramChannel channel =
            org.newsclub.net.unix.FileDescriptorCast.unsafeUsing(fd).as(AFUNIXDatagramChannel.class);
        // A channel cast from a descriptor deletes its bound file on close (measured): the file is the supervisor's.
        channel.setDeleteOnClose(false);
        // Nor may closing it shut the socket down (junixsocket does by default): other processes serve it too.
        channel.setShutdownOnClose(false);
        final AFUNIXSocketAddress bound = (AFUNIXSocketAddress)channel.getLocalAddress();
        if (null == bound || !bound.hasFilename() || !bound.getFile().toPath().toAbsolutePath().equals(socketPath))
        {
            CloseHelper.quietClose(channel);
            throw new IOException("the passed socket is bound to " + bound + ", not to " + socketPath +
                ": make --socket and the supervisor's socket agree");
        }
        return serve(socketPath, channel, false, mode);
    }

    /**
     * Binds the side socket (and the main one, unless it came bound), makes both non-blocking and registers the main
     * one with a selector.
     */
    private static DatagramTransport serve(
        final Path socketPath, final AFUNIXDatagramChannel channel, final boolean bindMain,
        final Set<PosixFilePermission> mode) throws IOException
    {
        final Path descriptorSocketPath = SocketFiles.descriptorSocket(socketPath);
        SocketFiles.removeStale(descriptorSocketPath);
        final AFUNIXDatagramChannel descriptorChannel = AFUNIXDatagramChannel.open();
        try
        {
            // Replies with a descriptor leave from a bound side socket: clients accept replies only from the
            // daemon's own paths, which nobody else can send from (sending from a path means binding it).
            descriptorChannel.bind(AFUNIXSocketAddress.of(descriptorSocketPath));
            Files.setPosixFilePermissions(descriptorSocketPath, mode);
            descriptorChannel.configureBlocking(false);
            if (bindMain)
            {
                channel.bind(AFUNIXSocketAddress.of(socketPath));
                Files.setPosixFilePermissions(socketPath, mode);
            }
            channel.configureBlocking(false);
            AttachedDescriptors.makeRoom(channel);
            // The JDK's default selector rejects junixsocket channels; its own provider's works.
            final Selector selector = channel.provider().openSelector();
            channel.register(selector, SelectionKey.OP_READ);
            final DatagramTransport transport =
                new DatagramTransport(socketPath, channel, selector, descriptorSocketPath, descriptorChannel);
            transport.ownsSocketFile = bindMain;
            return transport;
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietCloseAll(channel, descriptorChannel);
            Files.deleteIfExists(descriptorSocketPath);
            throw ex;
        }
    }

    /**
     * Receives one pending datagram without blocking.
     *
     * @return its length ({@code > MAX_REQUEST_LENGTH} when too long), {@link #DROPPED} for a datagram that cannot
     * be answered (unbound sender), or {@link #NOTHING_PENDING}.
     */
    @Override
    public int receive() throws IOException
    {
        receiveBuffer.clear();
        final AFUNIXSocketAddress from = channel.receive(receiveBuffer);
        final int length = receiveBuffer.position();
        attached.takeFrom(channel, from);
        if (null == from)
        {
            if (length > 0)
            {
                if (unboundSenders++ == 0)
                {
                    LOG.warn("dropped a request from an unbound socket: clients must bind to get replies");
                }
                return DROPPED;
            }
            return NOTHING_PENDING;
        }
        receiveBuffer.flip();
        receiveBuffer.get(requestBytes, 0, length);
        setSender(from);
        return length;
    }

    @Override
    public byte[] requestBytes()
    {
        return requestBytes;
    }

    @Override
    public ClientAddress senderKey()
    {
        return senderKey;
    }

    @Override
    public int senderPid()
    {
        return UNKNOWN_ID;
    }

    @Override
    public int senderUid()
    {
        return UNKNOWN_ID;
    }

    @Override
    public int senderGid()
    {
        return UNKNOWN_ID;
    }

    @Override
    public int takeSenderPidfd()
    {
        return -1;
    }

    @Override
    public boolean hasKernelCredentials()
    {
        return false;
    }

    @Override
    public void flush()
    {
    }

    @Override
    public int openPidfd(final long pid)
    {
        return -1; // JDK 17 cannot call pidfd_open: processes are polled (ProcessWatcher)
    }

    @Override
    public void watchProcess(final int pidfd, final long token)
    {
        throw new UnsupportedOperationException("junixsocket transport has no pidfds");
    }

    @Override
    public void unwatchProcess(final int pidfd)
    {
        throw new UnsupportedOperationException("junixsocket transport has no pidfds");
    }

    @Override
    public int drainExitedProcesses(final java.util.function.LongConsumer exited, final boolean evenIfNotAnnounced)
    {
        return 0;
    }

    @Override
    public long droppedReplies()
    {
        return 0;
    }

    @Override
    public boolean givesCredentials()
    {
        return false;
    }

    @Override
    public String name()
    {
        return "junixsocket";
    }

    private void setSender(final AFUNIXSocketAddress from) throws SocketException
    {
        // junixsocket returns a new address object for every datagram (its address cache never hits), but a client
        // sends many in a row: keep the last sender's reply address and key while the address is the same. The host
        // string is junixsocket's reversible encoding of the address bytes (AFInetAddress.unwrapAddress decodes
        // it), so equal strings mean the same address, and comparing them allocates nothing.
        if (null != lastReceived &&
            (from == lastReceived || from.getHostString().equals(lastReceived.getHostString())))
        {
            return;
        }
        if (from.isInAbstractNamespace())
        {
            // junixsocket 2.10.1 pads received abstract names with NULs to the full sun_path; replies to the padded
            // name are refused. Trimming restores the name the client bound.
            final byte[] raw = from.getPathAsBytes();
            int end = raw.length;
            while (end > 1 && raw[end - 1] == 0)
            {
                end--;
            }
            final byte[] trimmed = Arrays.copyOf(raw, end);
            sender = AFUNIXSocketAddress.of(trimmed);
            senderKey = new ClientAddress(Arrays.copyOfRange(trimmed, 1, end), true);
        }
        else
        {
            sender = from;
            senderKey = new ClientAddress(from.getPathAsBytes(), false);
        }
        lastReceived = from; // only once sender and key are both set: a failure above must not be cached
    }

    /**
     * Sends the reply to the sender of the last request, never blocking.
     *
     * @return whether it was queued to the client; false when the client is gone or its queue is full.
     */
    @Override
    public boolean reply(final ReplyBuffer reply)
    {
        final ByteBuffer buffer = reply.flip();
        final FileDescriptor fd = reply.fileDescriptor();
        try
        {
            if (null != fd)
            {
                return replyWithDescriptor(buffer, fd);
            }
            return channel.send(buffer, sender) > 0;
        }
        catch (final IOException ex)
        {
            // ECONNREFUSED / ENOENT: the client has gone; nothing to do but drop the reply.
            LOG.debug("dropped reply to {}: {}", senderKey, ex.getMessage());
            return false;
        }
    }

    @Override
    public boolean replyTo(final ClientAddress address, final ReplyBuffer reply)
    {
        final byte[] bytes = address.bytes();
        final byte[] raw = address.isAbstract() ? new byte[bytes.length + 1] : bytes;
        if (address.isAbstract())
        {
            System.arraycopy(bytes, 0, raw, 1, bytes.length); // the leading NUL of an abstract name
        }
        final ByteBuffer buffer = reply.flip();
        try
        {
            final AFUNIXSocketAddress to = AFUNIXSocketAddress.of(raw);
            final FileDescriptor fd = reply.fileDescriptor();
            return null != fd ? replyWithDescriptor(buffer, fd, to) : channel.send(buffer, to) > 0;
        }
        catch (final IOException ex)
        {
            LOG.debug("dropped deferred reply to {}: {}", address, ex.getMessage());
            return false;
        }
    }

    private boolean replyWithDescriptor(final ByteBuffer buffer, final FileDescriptor fd) throws IOException
    {
        return replyWithDescriptor(buffer, fd, sender);
    }

    private boolean replyWithDescriptor(
        final ByteBuffer buffer, final FileDescriptor fd, final AFUNIXSocketAddress sender) throws IOException
    {
        // The main socket refuses outbound descriptors unless connected, and connecting it would shut out every
        // other client; the side channel connects to this one client for one message.
        try
        {
            descriptorChannel.connect(sender);
            descriptorChannel.setOutboundFileDescriptors(fd);
            return descriptorChannel.write(buffer) > 0;
        }
        finally
        {
            if (descriptorChannel.hasOutboundFileDescriptors())
            {
                descriptorChannel.setOutboundFileDescriptors((FileDescriptor[])null);
            }
            if (descriptorChannel.isConnected())
            {
                descriptorChannel.disconnect();
            }
        }
    }

    /** Blocks until a datagram is pending, {@link #wakeup()} is called, or the timeout passes. */
    @Override
    public void awaitReadable(final long timeoutMs) throws IOException
    {
        try
        {
            if (timeoutMs <= 0)
            {
                selector.selectNow();
            }
            else
            {
                selector.select(timeoutMs);
            }
        }
        catch (final SocketException ex)
        {
            // EINTR (a profiler's signal, say) reaches us as "Interrupted system call": the wait just ends early.
            if (!String.valueOf(ex.getMessage()).contains("Interrupted system call"))
            {
                throw ex;
            }
        }
        selector.selectedKeys().clear();
    }

    @Override
    public void wakeup()
    {
        selector.wakeup();
    }

    @Override
    public int socketDescriptor()
    {
        try
        {
            return org.newsclub.net.unix.FileDescriptorCast.using(channel.getFileDescriptor()).as(Integer.class);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read the socket's descriptor number", ex);
        }
    }

    @Override
    public void release()
    {
        keepFiles = true;
        close();
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (keepFiles)
        {
            channel.setDeleteOnClose(false); // the successor serves this file now
            channel.setShutdownOnClose(false); // and this very socket: a shutdown would end it for both
        }
        CloseHelper.quietCloseAll(selector, channel, descriptorChannel, attached);
        if (keepFiles)
        {
            return;
        }
        try
        {
            if (ownsSocketFile)
            {
                Files.deleteIfExists(socketPath); // junixsocket leaves datagram socket files behind
            }
            Files.deleteIfExists(descriptorSocketPath);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot remove socket file {}: {}", socketPath, ex.toString());
        }
    }
}
