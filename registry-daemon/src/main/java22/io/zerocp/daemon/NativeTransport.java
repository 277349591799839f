package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.LongConsumer;

import static io.zerocp.daemon.NativeCalls.closeQuietly;
import static io.zerocp.daemon.NativeSocketSetup.bindDescriptorName;
import static io.zerocp.daemon.NativeSocketSetup.bindTo;
import static io.zerocp.daemon.NativeSocketSetup.boundPath;
import static io.zerocp.daemon.NativeSocketSetup.configure;
import static io.zerocp.daemon.NativeSocketSetup.intOption;
import static io.zerocp.daemon.NativeSocketSetup.openSocket;
import static io.zerocp.daemon.NativeSocketSetup.refuseDescriptors;
import static io.zerocp.daemon.NativeSocketSetup.socketAddressBytes;
import static io.zerocp.daemon.Syscalls.AF_UNIX;
import static io.zerocp.daemon.Syscalls.SOCK_DGRAM;
import static io.zerocp.daemon.Syscalls.SO_DOMAIN;
import static io.zerocp.daemon.Syscalls.SO_TYPE;

/**
 * The daemon's AF_UNIX datagram socket on the kernel's own calls (JDK 22+, {@link Syscalls}): one {@code recvmmsg}
 * drains up to {@value #BATCH} queued requests ({@link ReceiveBatch}), their replies leave together in one
 * {@code sendmmsg} ({@link SendBatch}); the conductor sleeps in an epoll ({@link EpollWaiter}) that also wakes for
 * process exits ({@link PidfdWatcher}). This class opens the socket ({@link NativeSocketSetup}) and ties the parts
 * together.
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

    private final Path socketPath;
    private final Path descriptorSocketPath;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Syscalls.newCaptureState(arena);
    private final ReceiveBatch in;
    private final SendBatch out;
    private final PidfdWatcher processes;
    private final EpollWaiter waiter;
    private final boolean passPidfd;
    private final boolean passCredentials = !"false".equals(System.getProperty("zerocp.transport.credentials"));
    /** False for a socket passed by a supervisor (socket activation): its file is the supervisor's. */
    private final boolean ownsSocketFile;
    private final int fd;
    private final int descriptorSocketFd;

    /** Whether the socket may have datagrams queued: false after a short batch, until epoll says otherwise. */
    private boolean socketReadable = true;
    /** Set by {@link #release()}: the files are a successor's now. */
    private boolean keepFiles;

    private NativeTransport(
        final Path socketPath,
        final Path descriptorSocketPath,
        final int fd,
        final int descriptorSocketFd,
        final boolean passPidfd,
        final boolean refusesDescriptors,
        final boolean ownsSocketFile) throws IOException
    {
        this.ownsSocketFile = ownsSocketFile;
        this.socketPath = socketPath;
        this.descriptorSocketPath = descriptorSocketPath;
        this.fd = fd;
        this.descriptorSocketFd = descriptorSocketFd;
        this.passPidfd = passPidfd;
        this.in = new ReceiveBatch(arena, errno, fd, refusesDescriptors);
        this.out = new SendBatch(arena, errno, fd);
        this.processes = new PidfdWatcher(arena, errno);
        this.waiter = new EpollWaiter(arena, errno, fd, processes.epollFd());
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
        final Path descriptorSocketPath = SocketFiles.descriptorSocket(socketPath);
        final byte[] path = socketAddressBytes(socketPath);
        final byte[] descriptorPath = socketAddressBytes(descriptorSocketPath);
        SocketFiles.removeStale(socketPath);
        SocketFiles.removeStale(descriptorSocketPath);
        int fd = -1;
        int descriptorFd = -1;
        try (Arena setup = Arena.ofConfined())
        {
            final MemorySegment captured = Syscalls.newCaptureState(setup);
            fd = openSocket(setup, captured);
            final boolean pidfds = configure(setup, captured, fd);
            final boolean refuses = refuseDescriptors(setup, captured, fd);
            bindTo(setup, captured, fd, path, socketPath);
            Files.setPosixFilePermissions(socketPath, mode);
            descriptorFd = bindDescriptorName(setup, captured, descriptorPath, descriptorSocketPath, mode);
            return new NativeTransport(socketPath, descriptorSocketPath, fd, descriptorFd, pidfds, refuses, true);
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
        final Path descriptorSocketPath = SocketFiles.descriptorSocket(socketPath);
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
            final boolean refuses = refuseDescriptors(setup, captured, fd);
            SocketFiles.removeStale(descriptorSocketPath);
            descriptorFd = bindDescriptorName(setup, captured, socketAddressBytes(descriptorSocketPath),
                descriptorSocketPath, mode);
            LOG.info("serving the socket passed by the supervisor (descriptor {}); it outlives this process", fd);
            return new NativeTransport(socketPath, descriptorSocketPath, fd, descriptorFd, pidfds, refuses, false);
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

    @Override
    public int receive() throws IOException
    {
        in.releaseSender();
        if (!in.hasPending())
        {
            flush(); // the last burst's replies leave before the next is read
            // A short batch emptied the queue: the next datagram is for epoll to announce (it is level-triggered,
            // so one that came meanwhile wakes it at once). That saves a recvmmsg answering EAGAIN per burst.
            final int received = in.refill(socketReadable);
            socketReadable = received == BATCH;
            if (received == 0)
            {
                return NOTHING_PENDING;
            }
        }
        return in.next();
    }

    @Override
    public byte[] requestBytes()
    {
        return in.requestBytes();
    }

    @Override
    public ClientAddress senderKey()
    {
        return in.senderKey();
    }

    @Override
    public int senderPid()
    {
        return in.senderPid();
    }

    @Override
    public int senderUid()
    {
        return in.senderUid();
    }

    @Override
    public int senderGid()
    {
        return in.senderGid();
    }

    @Override
    public int takeSenderPidfd()
    {
        return in.takeSenderPidfd();
    }

    @Override
    public boolean hasKernelCredentials()
    {
        return in.senderPid() > 0; // a datagram without them is served as on junixsocket
    }

    @Override
    public boolean hasKernelUid()
    {
        return in.senderUid() != UNKNOWN_ID; // also where the pid is 0: a sender in a sibling pid namespace
    }

    @Override
    public boolean isUidAmbiguous()
    {
        return in.senderUidAmbiguous();
    }

    /** @return whether the kernel attaches a pidfd to every datagram. */
    boolean passesPidfds()
    {
        return passPidfd;
    }

    @Override
    public boolean reply(final ReplyBuffer reply)
    {
        return out.reply(reply, in.senderName(), in.senderNameLength());
    }

    @Override
    public void flush()
    {
        out.flush();
    }

    @Override
    public long droppedReplies()
    {
        return out.droppedReplies();
    }

    @Override
    public void awaitReadable(final long timeoutMs)
    {
        if (in.hasPending() || socketReadable || processes.announced())
        {
            return;
        }
        final int ready = waiter.await(timeoutMs);
        if ((ready & (EpollWaiter.SOCKET_READY | EpollWaiter.INTERRUPTED)) != 0)
        {
            socketReadable = true; // interrupted: look again rather than miss a datagram
        }
        if ((ready & EpollWaiter.PROCESSES_READY) != 0)
        {
            processes.announce();
        }
    }

    @Override
    public void wakeup()
    {
        waiter.wakeup();
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
        if (!waiter.markClosed())
        {
            return;
        }
        in.releaseSender();
        in.close();
        closeQuietly(fd);
        closeQuietly(descriptorSocketFd);
        waiter.closeDescriptors();
        processes.close(); // the watched pidfds are closed by their owners' unwatch, or with the process
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

    @Override
    public int openPidfd(final long pid)
    {
        return processes.open(pid);
    }

    @Override
    public void watchProcess(final int pidfd, final long token)
    {
        processes.watch(pidfd, token);
    }

    @Override
    public void unwatchProcess(final int pidfd)
    {
        processes.unwatch(pidfd);
    }

    @Override
    public int drainExitedProcesses(final LongConsumer exited, final boolean evenIfNotAnnounced)
    {
        return processes.drain(exited, evenIfNotAnnounced);
    }

    @Override
    public boolean replyTo(final ClientAddress address, final ReplyBuffer reply)
    {
        return out.replyTo(reply, address);
    }
}
