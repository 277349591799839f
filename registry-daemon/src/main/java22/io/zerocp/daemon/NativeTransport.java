package io.zerocp.daemon;

import io.zerocp.api.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.Set;

import static io.zerocp.daemon.Syscalls.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The daemon's AF_UNIX datagram socket on the kernel's own calls (JDK 22+, {@link Syscalls}): one {@code recvmmsg}
 * drains up to {@value #BATCH} queued requests, their replies leave together in one {@code sendmmsg}.
 * <p>
 * What junixsocket could not give, and why it matters:
 * <ul>
 * <li>The sender's address is taken with the exact length the kernel reports ({@code msg_namelen}): {@code \0a} and
 * {@code \0a\0} are two sockets, so they are two clients.</li>
 * <li>{@code SO_PASSCRED} makes the kernel attach the sender's pid, uid and gid to every datagram, and on kernels that
 * have it {@code SO_PASSPIDFD} a pidfd of the sending process: identity nobody can claim falsely.</li>
 * <li>An empty datagram is a datagram ({@code msg_len} 0 with an address), so it gets its answer.</li>
 * <li>{@code SCM_RIGHTS} goes out from this socket itself: a descriptor reply comes from the address clients
 * already trust.</li>
 * </ul>
 * All native memory is allocated once at bind; the request path allocates nothing (a sender's address is looked up
 * through a flyweight in a table of the addresses seen, which only a new address grows).
 * <p>
 * Replies are staged and sent by {@link #flush()}, which the conductor calls after each burst and this class before
 * it receives again. A reply carrying a descriptor is flushed at once: a later request of the same burst could
 * delete the region and close the descriptor, and the number could be reused before the batch leaves.
 */
final class NativeTransport implements Transport
{
    private static final Logger LOG = LoggerFactory.getLogger(NativeTransport.class);

    static final int BATCH = 32;
    private static final int RECEIVE_CAPACITY = Protocol.MAX_REQUEST_LENGTH + 1;
    private static final int IN_DATA_STRIDE = align8(RECEIVE_CAPACITY);
    private static final int NAME_STRIDE = align8(SOCKADDR_UN_SIZE);
    /** Credentials (32) and a pidfd (24), plus room for descriptors a hostile sender attaches (they are closed). */
    private static final int IN_CONTROL = 256;
    private static final int OUT_CONTROL = CMSG_HEADER + 8; // CMSG_SPACE(sizeof(int))
    private static final int OUT_DATA_STRIDE = Protocol.MAX_REPLY_LENGTH;
    private static final int MAX_EVENTS = 8;
    private static final long TOKEN_SOCKET = 0;
    private static final long TOKEN_WAKEUP = 1;
    private static final long TOKEN_PROCESSES = 2;
    /** Addresses remembered for allocation-free look-ups; past this the table starts again (a flood of names). */
    private static final int MAX_INTERNED_ADDRESSES = 1 << 16;

    private final Path socketPath;
    private final Path descriptorSocketPath;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Syscalls.newCaptureState(arena);
    private final MemorySegment wakeErrno = Syscalls.newCaptureState(arena);
    private final MemorySegment inHeaders = arena.allocate(MMSGHDR.byteSize() * BATCH, 8);
    private final MemorySegment inIov = arena.allocate(IOVEC.byteSize() * BATCH, 8);
    private final MemorySegment names = arena.allocate((long)NAME_STRIDE * BATCH, 8);
    private final MemorySegment inData = arena.allocate((long)IN_DATA_STRIDE * BATCH, 8);
    private final MemorySegment inControl = arena.allocate((long)IN_CONTROL * BATCH, 8);
    private final MemorySegment outHeaders = arena.allocate(MMSGHDR.byteSize() * BATCH, 8);
    private final MemorySegment outIov = arena.allocate(IOVEC.byteSize() * BATCH, 8);
    private final MemorySegment outData = arena.allocate((long)OUT_DATA_STRIDE * BATCH, 8);
    private final MemorySegment outControl = arena.allocate((long)OUT_CONTROL * BATCH, 8);
    private final MemorySegment events = arena.allocate((long)EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
    private final MemorySegment processEvents = arena.allocate((long)EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
    private final MemorySegment processEvent = arena.allocate(EPOLL_EVENT_SIZE, 8);
    private final MemorySegment counterValue = arena.allocate(8, 8);
    private final MemorySegment wakeValue = arena.allocate(8, 8);
    private final byte[] requestBytes = new byte[RECEIVE_CAPACITY];
    private final ClientAddress lookup = ClientAddress.flyweight(SUN_PATH_LENGTH);
    private final HashMap<ClientAddress, ClientAddress> addresses = new HashMap<>();
    private final Object wakeLock = new Object();
    private final boolean passPidfd;
    private final boolean passCredentials = !"false".equals(System.getProperty("zerocp.transport.credentials"));
    /** False for a socket passed by a supervisor (socket activation): its file is the supervisor's. */
    private final boolean ownsSocketFile;
    private final int fd;
    private final int descriptorSocketFd;
    private final int epollFd;
    private final int wakeFd;
    /** Watched pidfds live in an epoll of their own, itself in the main one: an exit wakes the same wait. */
    private final int processEpollFd;
    private boolean processesReady;

    private int received;
    private int cursor;
    /** Whether the socket may have datagrams queued: false after a short batch, until epoll says otherwise. */
    private boolean socketReadable = true;
    private int slot = -1;
    private int staged;
    private ClientAddress senderKey;
    private int senderPid = UNKNOWN_ID;
    private int senderUid = UNKNOWN_ID;
    private int senderGid = UNKNOWN_ID;
    private int senderPidfd = -1;
    private long droppedReplies;
    private long unboundSenders;
    private long truncatedControls;
    private long receiveErrors;
    private ByteBufferSegment replySource;
    private boolean closed;
    /** Set by {@link #release()}: the files are a successor's now. */
    private boolean keepFiles;

    private NativeTransport(
        final Path socketPath,
        final Path descriptorSocketPath,
        final int fd,
        final int descriptorSocketFd,
        final boolean passPidfd,
        final boolean ownsSocketFile) throws IOException
    {
        this.ownsSocketFile = ownsSocketFile;
        this.socketPath = socketPath;
        this.descriptorSocketPath = descriptorSocketPath;
        this.fd = fd;
        this.descriptorSocketFd = descriptorSocketFd;
        this.passPidfd = passPidfd;
        for (int i = 0; i < BATCH; i++)
        {
            final long header = i * MMSGHDR.byteSize();
            final long iov = i * IOVEC.byteSize();
            inIov.set(ADDRESS, iov + IOV_BASE, inData.asSlice((long)i * IN_DATA_STRIDE));
            inIov.set(JAVA_LONG, iov + IOV_LEN, RECEIVE_CAPACITY);
            inHeaders.set(ADDRESS, header + MSG_NAME, names.asSlice((long)i * NAME_STRIDE));
            inHeaders.set(ADDRESS, header + MSG_IOV, inIov.asSlice(iov));
            inHeaders.set(JAVA_LONG, header + MSG_IOVLEN, 1);
            inHeaders.set(ADDRESS, header + MSG_CONTROL, inControl.asSlice((long)i * IN_CONTROL));
            outIov.set(ADDRESS, iov + IOV_BASE, outData.asSlice((long)i * OUT_DATA_STRIDE));
            outHeaders.set(ADDRESS, header + MSG_IOV, outIov.asSlice(iov));
            outHeaders.set(JAVA_LONG, header + MSG_IOVLEN, 1);
        }
        wakeValue.set(JAVA_LONG, 0, 1L);
        this.epollFd = check(call(() -> (int)EPOLL_CREATE1.invokeExact(errno, EPOLL_CLOEXEC)), "epoll_create1");
        this.wakeFd = check(call(() -> (int)EVENTFD.invokeExact(errno, 0, EFD_NONBLOCK | EFD_CLOEXEC)), "eventfd");
        this.processEpollFd = check(call(() -> (int)EPOLL_CREATE1.invokeExact(errno, EPOLL_CLOEXEC)),
            "epoll_create1");
        watch(epollFd, fd, TOKEN_SOCKET);
        watch(epollFd, wakeFd, TOKEN_WAKEUP);
        watch(epollFd, processEpollFd, TOKEN_PROCESSES);
    }

    /**
     * Binds the socket, or serves the one a supervisor passed as {@code inheritedFd} (socket activation: checked to
     * be an AF_UNIX datagram socket bound to {@code socket}; never unlinked here). Called reflectively by
     * {@link Transports}.
     */
    static Transport open(final Path socket, final Set<PosixFilePermission> mode, final int inheritedFd)
        throws IOException
    {
        return inheritedFd >= 0 ? adopt(socket, mode, inheritedFd) : bind(socket, mode);
    }

    /**
     * Binds the socket, replacing a stale socket file (the caller holds the instance lock, so no live daemon owns it).
     */
    static Transport bind(final Path socket, final Set<PosixFilePermission> mode) throws IOException
    {
        if (!Syscalls.supported())
        {
            throw new IOException("the native transport supports Linux on x86_64 and aarch64 only");
        }
        final Path socketPath = socket.toAbsolutePath();
        final Path descriptorSocketPath = socketPath.resolveSibling(
            socketPath.getFileName() + DatagramTransport.DESCRIPTOR_SOCKET_SUFFIX);
        final byte[] path = socketAddressBytes(socketPath);
        final byte[] descriptorPath = socketAddressBytes(descriptorSocketPath);
        DatagramTransport.removeStaleSocket(socketPath);
        DatagramTransport.removeStaleSocket(descriptorSocketPath);
        int fd = -1;
        int descriptorFd = -1;
        try (Arena setup = Arena.ofConfined())
        {
            final MemorySegment captured = Syscalls.newCaptureState(setup);
            fd = openSocket(setup, captured);
            final boolean pidfds = configure(setup, captured, fd);
            bindTo(setup, captured, fd, path, socketPath);
            Files.setPosixFilePermissions(socketPath, mode);
            descriptorFd = bindDescriptorName(setup, captured, descriptorPath, descriptorSocketPath, mode);
            return new NativeTransport(socketPath, descriptorSocketPath, fd, descriptorFd, pidfds, true);
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(fd);
            closeQuietly(descriptorFd);
            if (fd >= 0)
            {
                Files.deleteIfExists(socketPath);
            }
            if (descriptorFd >= 0)
            {
                Files.deleteIfExists(descriptorSocketPath);
            }
            throw ex;
        }
    }

    private static Transport adopt(final Path socket, final Set<PosixFilePermission> mode, final int fd)
        throws IOException
    {
        if (!Syscalls.supported())
        {
            throw new IOException("the native transport supports Linux on x86_64 and aarch64 only");
        }
        final Path socketPath = socket.toAbsolutePath();
        final Path descriptorSocketPath = socketPath.resolveSibling(
            socketPath.getFileName() + DatagramTransport.DESCRIPTOR_SOCKET_SUFFIX);
        int descriptorFd = -1;
        try (Arena setup = Arena.ofConfined())
        {
            final MemorySegment captured = Syscalls.newCaptureState(setup);
            if (intOption(setup, captured, fd, SO_DOMAIN) != AF_UNIX || intOption(setup, captured, fd, SO_TYPE) !=
                SOCK_DGRAM)
            {
                throw new IOException("descriptor " + fd + " passed by the supervisor is not an AF_UNIX datagram " +
                    "socket (use ListenDatagram= with a path)");
            }
            final String bound = boundPath(setup, captured, fd);
            if (!socketPath.toString().equals(bound))
            {
                throw new IOException("the passed socket is bound to '" + bound + "', not to " + socketPath +
                    ": make --socket and the supervisor's socket agree");
            }
            final boolean pidfds = configure(setup, captured, fd);
            DatagramTransport.removeStaleSocket(descriptorSocketPath);
            descriptorFd = bindDescriptorName(setup, captured, socketAddressBytes(descriptorSocketPath),
                descriptorSocketPath, mode);
            LOG.info("serving the socket passed by the supervisor (descriptor {}); it outlives this process", fd);
            return new NativeTransport(socketPath, descriptorSocketPath, fd, descriptorFd, pidfds, false);
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(descriptorFd);
            if (descriptorFd >= 0)
            {
                Files.deleteIfExists(descriptorSocketPath);
            }
            throw ex;
        }
    }

    private static int bindDescriptorName(
        final Arena setup, final MemorySegment captured, final byte[] descriptorPath, final Path descriptorSocketPath,
        final Set<PosixFilePermission> mode) throws IOException
    {
        // Older clients accept replies from <socket>.fd too: holding that name keeps anyone else from sending
        // from it. Nothing is ever sent or read on it.
        final int descriptorFd = openSocket(setup, captured);
        try
        {
            bindTo(setup, captured, descriptorFd, descriptorPath, descriptorSocketPath);
            Files.setPosixFilePermissions(descriptorSocketPath, mode);
            return descriptorFd;
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(descriptorFd);
            throw ex;
        }
    }

    private static int intOption(final Arena setup, final MemorySegment captured, final int fd, final int option)
        throws IOException
    {
        final MemorySegment value = setup.allocate(JAVA_INT);
        final MemorySegment length = setup.allocate(JAVA_INT);
        length.set(JAVA_INT, 0, 4);
        if (call(() -> (int)GETSOCKOPT.invokeExact(captured, fd, SOL_SOCKET, option, value, length)) != 0)
        {
            throw new IOException("getsockopt on descriptor " + fd + ": " + describe(Syscalls.errno(captured)));
        }
        return value.get(JAVA_INT, 0);
    }

    private static String boundPath(final Arena setup, final MemorySegment captured, final int fd)
        throws IOException
    {
        final MemorySegment address = setup.allocate(SOCKADDR_UN_SIZE, 8);
        final MemorySegment length = setup.allocate(JAVA_INT);
        length.set(JAVA_INT, 0, SOCKADDR_UN_SIZE);
        if (call(() -> (int)GETSOCKNAME.invokeExact(captured, fd, address, length)) != 0)
        {
            throw new IOException("getsockname on descriptor " + fd + ": " + describe(Syscalls.errno(captured)));
        }
        final int n = Math.min(length.get(JAVA_INT, 0), SOCKADDR_UN_SIZE) - SUN_PATH_OFFSET;
        int end = 0;
        while (end < n && address.get(JAVA_BYTE, SUN_PATH_OFFSET + end) != 0)
        {
            end++;
        }
        final byte[] bytes = new byte[end];
        MemorySegment.copy(address, JAVA_BYTE, SUN_PATH_OFFSET, bytes, 0, end);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Credentials and the send buffer, on a socket bound here or passed in. @return whether pidfds come too. */
    private static boolean configure(final Arena setup, final MemorySegment captured, final int fd)
        throws IOException
    {
        // Off only to measure what credentials cost (benchmarks): without them the daemon knows no process.
        final boolean credentials = !"false".equals(System.getProperty("zerocp.transport.credentials"));
        // A pidfd on every datagram closes the last pid-reuse gap but costs the kernel a file per datagram
        // (docs/benchmarks.md): off unless asked for; sessions open theirs once with pidfd_open instead.
        boolean pidfds = credentials && "true".equals(System.getProperty("zerocp.transport.pidfds"));
        if (credentials)
        {
            setOption(setup, captured, fd, SO_PASSCRED, 1, "SO_PASSCRED");
            try
            {
                if (pidfds)
                {
                    setOption(setup, captured, fd, SO_PASSPIDFD, 1, "SO_PASSPIDFD");
                }
            }
            catch (final IOException ex)
            {
                pidfds = false; // kernels before 6.5: a process is known by its pid (and start time) only
                LOG.info("kernel has no SO_PASSPIDFD ({}): process identity falls back to pids",
                    ex.getMessage());
            }
        }
        else
        {
            LOG.warn("zerocp.transport.credentials=false: no kernel credentials (for benchmarks only)");
        }
        sizeSendBuffer(setup, captured, fd);
        return pidfds;
    }

    private static byte[] socketAddressBytes(final Path path) throws IOException
    {
        final byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SUN_PATH_LENGTH)
        {
            throw new IOException("socket path " + path + " is " + bytes.length + " bytes; the kernel takes at most " +
                (SUN_PATH_LENGTH - 1) + ": choose a shorter --socket");
        }
        return bytes;
    }

    private static int openSocket(final Arena setup, final MemorySegment captured) throws IOException
    {
        final int fd = call(() -> (int)SOCKET.invokeExact(captured, AF_UNIX,
            SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (fd < 0)
        {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM): " + describe(Syscalls.errno(captured)));
        }
        return fd;
    }

    /**
     * Every reply a client has not read yet is charged to this socket's send buffer, and a full buffer fails every
     * send to every client (EAGAIN). A peer's queue holds at most {@code net.unix.max_dgram_qlen} (10) datagrams, so
     * each silent socket pins about 11 small datagrams (~8 KiB): the default 208 KiB is muted by ~26 of them. As root
     * the buffer is forced far past {@code wmem_max}; memory is taken only by what is really queued.
     */
    private static void sizeSendBuffer(final Arena setup, final MemorySegment captured, final int fd)
    {
        final int wanted = Integer.getInteger("zerocp.transport.sndbuf", 256 << 20);
        try
        {
            setOption(setup, captured, fd, SO_SNDBUFFORCE, wanted, "SO_SNDBUFFORCE");
        }
        catch (final IOException notRoot)
        {
            try
            {
                setOption(setup, captured, fd, SO_SNDBUF, wanted, "SO_SNDBUF"); // capped at net.core.wmem_max
            }
            catch (final IOException ex)
            {
                LOG.warn("cannot size the send buffer: {}", ex.getMessage());
            }
        }
        final MemorySegment value = setup.allocate(JAVA_INT);
        final MemorySegment length = setup.allocate(JAVA_INT);
        length.set(JAVA_INT, 0, 4);
        final int rc = call(() -> (int)GETSOCKOPT.invokeExact(captured, fd, SOL_SOCKET, SO_SNDBUF, value, length));
        final int actual = rc == 0 ? value.get(JAVA_INT, 0) : -1;
        if (actual >= 0 && actual < 16 << 20)
        {
            LOG.warn("send buffer is {} KiB (net.core.wmem_max limits a daemon that is not root): about {} sockets " +
                "that never read their replies would mute it for everyone (docs/security.md)", actual >> 10,
                actual / (11 * 768));
        }
        else
        {
            LOG.debug("send buffer {} MiB", actual >> 20);
        }
    }

    private static void setOption(
        final Arena setup, final MemorySegment captured, final int fd, final int option, final int value,
        final String name) throws IOException
    {
        final MemorySegment v = setup.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        final int rc = call(() -> (int)SETSOCKOPT.invokeExact(captured, fd, SOL_SOCKET, option, v, 4));
        if (rc != 0)
        {
            throw new IOException("setsockopt(" + name + "): " + describe(Syscalls.errno(captured)));
        }
    }

    private static void bindTo(
        final Arena setup, final MemorySegment captured, final int fd, final byte[] path, final Path socketPath)
        throws IOException
    {
        final MemorySegment address = setup.allocate(SOCKADDR_UN_SIZE, 8);
        address.set(JAVA_SHORT, 0, (short)AF_UNIX);
        MemorySegment.copy(path, 0, address, JAVA_BYTE, SUN_PATH_OFFSET, path.length);
        final int length = SUN_PATH_OFFSET + path.length + 1; // with the terminating NUL (zeroed by allocate)
        final int rc = call(() -> (int)BIND.invokeExact(captured, fd, address, length));
        if (rc != 0)
        {
            throw new IOException("cannot bind " + socketPath + ": " + describe(Syscalls.errno(captured)));
        }
    }

    @Override
    public int receive() throws IOException
    {
        releaseSender();
        if (cursor == received)
        {
            flush(); // the last burst's replies leave before the next is read
            cursor = 0;
            // A short batch emptied the queue: the next datagram is for epoll to announce (it is level-triggered,
            // so one that came meanwhile wakes it at once). That saves a recvmmsg answering EAGAIN per burst.
            received = socketReadable ? receiveBatch() : 0;
            socketReadable = received == BATCH;
            if (received == 0)
            {
                return NOTHING_PENDING;
            }
        }
        slot = cursor++;
        final long header = slot * MMSGHDR.byteSize();
        final int nameLength = inHeaders.get(JAVA_INT, header + MSG_NAMELEN);
        final int length = inHeaders.get(JAVA_INT, header + MSG_LEN);
        final int flags = inHeaders.get(JAVA_INT, header + MSG_FLAGS);
        readControl(slot, inHeaders.get(JAVA_LONG, header + MSG_CONTROLLEN), flags);
        if (nameLength <= SUN_PATH_OFFSET || nameLength > SOCKADDR_UN_SIZE)
        {
            // Unbound: the kernel gives no address (length 0, or just the family), so there is nowhere to reply.
            if (unboundSenders++ == 0)
            {
                LOG.warn("dropped a request from an unbound socket (pid {}): clients must bind to get replies",
                    senderPid);
            }
            return DROPPED;
        }
        senderKey = intern(slot, nameLength);
        final int copied = Math.min(Math.max(length, 0), RECEIVE_CAPACITY);
        MemorySegment.copy(inData, JAVA_BYTE, (long)slot * IN_DATA_STRIDE, requestBytes, 0, copied);
        return (flags & MSG_TRUNC) != 0 ? RECEIVE_CAPACITY : copied;
    }

    private int receiveBatch() throws IOException
    {
        for (int i = 0; i < BATCH; i++)
        {
            final long header = i * MMSGHDR.byteSize();
            inHeaders.set(JAVA_INT, header + MSG_NAMELEN, SOCKADDR_UN_SIZE);
            inHeaders.set(JAVA_LONG, header + MSG_CONTROLLEN, IN_CONTROL);
            inHeaders.set(JAVA_INT, header + MSG_FLAGS, 0);
        }
        while (true)
        {
            final int n = recvmmsg();
            if (n >= 0)
            {
                return n;
            }
            final int e = Syscalls.errno(errno);
            if (e == EINTR)
            {
                continue;
            }
            if (e == EAGAIN)
            {
                return 0;
            }
            // Nothing the kernel says here should stop the daemon; say so rarely, not once per datagram.
            if (Long.bitCount(++receiveErrors) == 1)
            {
                LOG.warn("recvmmsg failed ({} time(s) so far): {}", receiveErrors, describe(e));
            }
            return 0;
        }
    }

    // The request path calls the kernel without errno capture (see Syscalls.RECVMMSG_FAST); a -1 is asked again
    // through the capturing handle, whose errno then says why.

    private int recvmmsg()
    {
        try
        {
            final int n = (int)RECVMMSG_FAST.invokeExact(fd, inHeaders, BATCH, MSG_DONTWAIT | MSG_CMSG_CLOEXEC,
                MemorySegment.NULL);
            return n >= 0 ? n : (int)RECVMMSG.invokeExact(errno, fd, inHeaders, BATCH,
                MSG_DONTWAIT | MSG_CMSG_CLOEXEC, MemorySegment.NULL);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("recvmmsg", t);
        }
    }

    private int sendmmsg(final MemorySegment headers, final int count)
    {
        try
        {
            final int n = (int)SENDMMSG_FAST.invokeExact(fd, headers, count, MSG_DONTWAIT | MSG_NOSIGNAL);
            return n >= 0 ? n : (int)SENDMMSG.invokeExact(errno, fd, headers, count, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sendmmsg", t);
        }
    }

    private int epollWait(final int timeoutMs)
    {
        try
        {
            return (int)EPOLL_WAIT_FAST.invokeExact(epollFd, events, MAX_EVENTS, timeoutMs); // -1: EINTR, go on
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("epoll_wait", t);
        }
    }

    /** Reads the credentials and pidfd of one datagram; closes any descriptor a sender attached itself. */
    private void readControl(final int slot, final long controlLength, final int flags)
    {
        senderPid = UNKNOWN_ID;
        senderUid = UNKNOWN_ID;
        senderGid = UNKNOWN_ID;
        senderPidfd = -1;
        final long start = (long)slot * IN_CONTROL;
        final long end = start + Math.min(Math.max(controlLength, 0), IN_CONTROL);
        long at = start;
        while (at + CMSG_HEADER <= end)
        {
            final long length = inControl.get(JAVA_LONG, at);
            if (length < CMSG_HEADER || at + length > end)
            {
                break; // malformed or cut: trust nothing past here
            }
            final int level = inControl.get(JAVA_INT, at + CMSG_LEVEL);
            final int type = inControl.get(JAVA_INT, at + CMSG_TYPE);
            final long data = at + CMSG_HEADER;
            final long dataLength = length - CMSG_HEADER;
            if (level == SOL_SOCKET)
            {
                if (type == SCM_CREDENTIALS && dataLength >= UCRED_SIZE && inControl.get(JAVA_INT, data) > 0)
                {
                    // pid 0: the datagram was queued before SO_PASSCRED was set (a socket passed by a supervisor
                    // that did not set it), so the kernel attached nothing: this one datagram has no credentials.
                    senderPid = inControl.get(JAVA_INT, data);
                    senderUid = inControl.get(JAVA_INT, data + 4);
                    senderGid = inControl.get(JAVA_INT, data + 8);
                }
                else if (type == SCM_PIDFD && dataLength >= 4)
                {
                    closeQuietly(senderPidfd);
                    senderPidfd = inControl.get(JAVA_INT, data);
                }
                else if (type == SCM_RIGHTS)
                {
                    for (long d = data; d + 4 <= data + dataLength; d += 4)
                    {
                        closeQuietly(inControl.get(JAVA_INT, d)); // nobody sends the daemon descriptors
                    }
                }
            }
            at += align8(length);
        }
        if ((flags & MSG_CTRUNC) != 0 && Long.bitCount(++truncatedControls) == 1)
        {
            LOG.warn("a datagram's ancillary data was cut ({} so far): a sender attached descriptors",
                truncatedControls);
        }
    }

    private ClientAddress intern(final int slot, final int nameLength)
    {
        final long name = (long)slot * NAME_STRIDE + SUN_PATH_OFFSET;
        final int pathLength = nameLength - SUN_PATH_OFFSET;
        final byte[] buffer = lookup.buffer();
        final boolean abstractName = names.get(JAVA_BYTE, name) == 0;
        final int length;
        if (abstractName)
        {
            length = pathLength - 1; // every byte after the leading NUL, trailing NULs included
            MemorySegment.copy(names, JAVA_BYTE, name + 1, buffer, 0, length);
        }
        else
        {
            int end = 0;
            while (end < pathLength && names.get(JAVA_BYTE, name + end) != 0)
            {
                end++;
            }
            length = end; // a path ends at its NUL, whatever length the sender bound it with
            MemorySegment.copy(names, JAVA_BYTE, name, buffer, 0, length);
        }
        lookup.wrap(length, abstractName);
        ClientAddress key = addresses.get(lookup);
        if (null == key)
        {
            if (addresses.size() >= MAX_INTERNED_ADDRESSES)
            {
                addresses.clear();
            }
            key = lookup.copy();
            addresses.put(key, key);
        }
        return key;
    }

    private void releaseSender()
    {
        closeQuietly(senderPidfd);
        senderPidfd = -1;
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
        return senderPid;
    }

    @Override
    public int senderUid()
    {
        return senderUid;
    }

    @Override
    public int senderGid()
    {
        return senderGid;
    }

    @Override
    public int takeSenderPidfd()
    {
        final int taken = senderPidfd;
        senderPidfd = -1;
        return taken;
    }

    @Override
    public boolean hasKernelCredentials()
    {
        return senderPid > 0; // a datagram without them is served as on junixsocket
    }

    /** @return whether the kernel attaches a pidfd to every datagram. */
    boolean passesPidfds()
    {
        return passPidfd;
    }

    @Override
    public boolean reply(final ReplyBuffer reply)
    {
        final int k = staged++;
        final long header = k * MMSGHDR.byteSize();
        final int length = reply.length();
        if (null == replySource || replySource.reply != reply)
        {
            replySource = new ByteBufferSegment(reply); // once: the conductor reuses one reply buffer
        }
        MemorySegment.copy(replySource.segment, 0, outData, (long)k * OUT_DATA_STRIDE, length);
        outIov.set(JAVA_LONG, k * IOVEC.byteSize() + IOV_LEN, length);
        outHeaders.set(JAVA_LONG, header + MSG_NAME, names.address() + (long)slot * NAME_STRIDE);
        outHeaders.set(JAVA_INT, header + MSG_NAMELEN, inHeaders.get(JAVA_INT,
            slot * MMSGHDR.byteSize() + MSG_NAMELEN));
        outHeaders.set(JAVA_INT, header + MSG_FLAGS, 0);
        final FileDescriptor descriptor = reply.fileDescriptor();
        if (null == descriptor)
        {
            outHeaders.set(JAVA_LONG, header + MSG_CONTROL, 0L);
            outHeaders.set(JAVA_LONG, header + MSG_CONTROLLEN, 0);
            return true;
        }
        final long control = (long)k * OUT_CONTROL;
        outControl.set(JAVA_LONG, control, CMSG_HEADER + 4);
        outControl.set(JAVA_INT, control + CMSG_LEVEL, SOL_SOCKET);
        outControl.set(JAVA_INT, control + CMSG_TYPE, SCM_RIGHTS);
        outControl.set(JAVA_INT, control + CMSG_HEADER, descriptorNumber(descriptor));
        outHeaders.set(JAVA_LONG, header + MSG_CONTROL, outControl.address() + control);
        outHeaders.set(JAVA_LONG, header + MSG_CONTROLLEN, OUT_CONTROL);
        final long before = droppedReplies;
        flush(); // now, while the descriptor is surely the region's (see the class comment)
        if (droppedReplies != before)
        {
            droppedReplies = before; // reported by the return value instead
            return false;
        }
        return true;
    }

    @Override
    public void flush()
    {
        int next = 0;
        while (next < staged)
        {
            final int sent = sendmmsg(
                0 == next ? outHeaders : outHeaders.asSlice(next * MMSGHDR.byteSize()), staged - next);
            if (sent > 0)
            {
                next += sent;
                continue;
            }
            if (Syscalls.errno(errno) == EINTR)
            {
                continue;
            }
            // The reply at `next` failed: ECONNREFUSED/ENOENT (the client is gone), EAGAIN (its queue is full, or
            // this socket's send buffer is), anything else: drop it and go on with the rest.
            droppedReplies++;
            next++;
        }
        staged = 0;
    }

    @Override
    public long droppedReplies()
    {
        return droppedReplies;
    }

    @Override
    public void awaitReadable(final long timeoutMs)
    {
        if (cursor < received || socketReadable || processesReady)
        {
            return;
        }
        final int n = epollWait((int)Math.max(0, Math.min(timeoutMs, Integer.MAX_VALUE))); // 0: only look
        if (n < 0)
        {
            socketReadable = true; // interrupted: look again rather than miss a datagram
            return;
        }
        for (int i = 0; i < n; i++)
        {
            final long token = events.get(JAVA_LONG_UNALIGNED, (long)i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
            if (token == TOKEN_SOCKET)
            {
                socketReadable = true;
            }
            else if (token == TOKEN_PROCESSES)
            {
                processesReady = true;
            }
            else if (token == TOKEN_WAKEUP)
            {
                try
                {
                    final long ignored = (long)READ.invokeExact(errno, wakeFd, counterValue, 8L);
                }
                catch (final Throwable t)
                {
                    throw new IllegalStateException("read(eventfd)", t);
                }
            }
        }
    }

    @Override
    public void wakeup()
    {
        synchronized (wakeLock)
        {
            if (closed)
            {
                return;
            }
            try
            {
                final long ignored = (long)WRITE.invokeExact(wakeErrno, wakeFd, wakeValue, 8L);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("write(eventfd)", t);
            }
        }
    }

    @Override
    public boolean givesCredentials()
    {
        return passCredentials;
    }

    @Override
    public String name()
    {
        return "native";
    }

    @Override
    public int socketDescriptor()
    {
        return fd;
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
        synchronized (wakeLock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        releaseSender();
        closeQuietly(fd);
        closeQuietly(descriptorSocketFd);
        closeQuietly(epollFd);
        closeQuietly(processEpollFd); // the watched pidfds are closed by their owners' unwatch, or with the process
        closeQuietly(wakeFd);
        arena.close();
        if (keepFiles)
        {
            return;
        }
        try
        {
            if (ownsSocketFile)
            {
                Files.deleteIfExists(socketPath);
            }
            Files.deleteIfExists(descriptorSocketPath);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot remove socket file {}: {}", socketPath, ex.toString());
        }
    }

    private void watch(final int epoll, final int watched, final long token) throws IOException
    {
        processEvent.set(JAVA_INT, 0, EPOLLIN);
        processEvent.set(JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, token);
        check(call(() -> (int)EPOLL_CTL.invokeExact(errno, epoll, EPOLL_CTL_ADD, watched, processEvent)),
            "epoll_ctl");
    }

    @Override
    public int openPidfd(final long pid)
    {
        if (pid <= 0 || pid > Integer.MAX_VALUE)
        {
            return -1;
        }
        try
        {
            return (int)(long)SYSCALL_2.invokeExact(errno, SYS_PIDFD_OPEN, (int)pid, 0); // close-on-exec by default
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("pidfd_open", t);
        }
    }

    @Override
    public void watchProcess(final int pidfd, final long token)
    {
        try
        {
            watch(processEpollFd, pidfd, token);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot watch a pidfd: " + ex.getMessage(), ex);
        }
    }

    @Override
    public void unwatchProcess(final int pidfd)
    {
        if (closed)
        {
            closeQuietly(pidfd); // the epoll went with the transport
            return;
        }
        try
        {
            final int ignored = (int)EPOLL_CTL.invokeExact(errno, processEpollFd, EPOLL_CTL_DEL, pidfd,
                MemorySegment.NULL);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("epoll_ctl", t);
        }
        closeQuietly(pidfd);
    }

    @Override
    public int drainExitedProcesses(final java.util.function.LongConsumer exited, final boolean evenIfNotAnnounced)
    {
        if (!processesReady && !evenIfNotAnnounced)
        {
            return 0;
        }
        final int n;
        try
        {
            n = (int)EPOLL_WAIT_FAST.invokeExact(processEpollFd, processEvents, MAX_EVENTS, 0);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("epoll_wait", t);
        }
        processesReady = n == MAX_EVENTS; // more may be waiting
        for (int i = 0; i < n; i++)
        {
            exited.accept(processEvents.get(JAVA_LONG_UNALIGNED, (long)i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET));
        }
        return Math.max(n, 0);
    }

    private int check(final int rc, final String what) throws IOException
    {
        if (rc < 0)
        {
            throw new IOException(what + ": " + describe(Syscalls.errno(errno)));
        }
        return rc;
    }

    static void closeQuietly(final int descriptor)
    {
        if (descriptor >= 0)
        {
            try
            {
                final int ignored = (int)CLOSE_IGNORING_ERRNO.invokeExact(descriptor);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("close", t);
            }
        }
    }

    private static int descriptorNumber(final FileDescriptor descriptor)
    {
        try
        {
            return org.newsclub.net.unix.FileDescriptorCast.using(descriptor).as(Integer.class);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read a descriptor's number", ex);
        }
    }

    private static int align8(final long n)
    {
        return (int)((n + 7) & ~7L);
    }

    @FunctionalInterface
    private interface IntCall
    {
        int call() throws Throwable;
    }

    private static int call(final IntCall call)
    {
        try
        {
            return call.call();
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
    }

    /** The reply buffer's memory as a segment, made once for the buffer the conductor reuses. */
    private static final class ByteBufferSegment
    {
        final ReplyBuffer reply;
        final MemorySegment segment;

        ByteBufferSegment(final ReplyBuffer reply)
        {
            this.reply = reply;
            this.segment = MemorySegment.ofBuffer(reply.wholeBuffer());
        }
    }
}
