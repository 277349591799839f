package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import static io.zerocp.daemon.NativeCalls.call;
import static io.zerocp.daemon.NativeCalls.closeQuietly;
import static io.zerocp.daemon.Syscalls.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Setting up the native transport's sockets, once at start: open, bind, socket options (credentials, pidfds, the send
 * buffer), and the checks on a socket a supervisor passed. Memory comes from the caller's confined set-up arena.
 */
final class NativeSocketSetup
{
    /** The transport's logger: operators know these lines by it. */
    private static final Logger LOG = LoggerFactory.getLogger(NativeTransport.class);

    private NativeSocketSetup()
    {
    }

    static int bindDescriptorName(
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

    static int intOption(final Arena setup, final MemorySegment captured, final int fd, final int option)
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

    static String boundPath(final Arena setup, final MemorySegment captured, final int fd)
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
    static boolean configure(final Arena setup, final MemorySegment captured, final int fd)
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

    /**
     * Refuses descriptors at the sender: with {@code SO_PASSRIGHTS} 0 a {@code sendmsg} carrying {@code SCM_RIGHTS} to
     * this socket fails in the sender with {@code EPERM}, so the daemon never holds, and never has to close, a
     * descriptor someone else chose (closing one can block for as long as its sender likes, see
     * {@link DescriptorCloser}). Sending descriptors from this socket is unaffected.
     *
     * @return false on a kernel without the option (before 6.16): attached descriptors then arrive and are closed
     * off the request thread.
     */
    static boolean refuseDescriptors(final Arena setup, final MemorySegment captured, final int fd)
    {
        if (Boolean.getBoolean("zerocp.transport.acceptDescriptors"))
        {
            // Tests only: the path of kernels before 6.16, on this one.
            LOG.warn("zerocp.transport.acceptDescriptors=true: descriptors senders attach are received (tests only)");
            return false;
        }
        try
        {
            setOption(setup, captured, fd, SO_PASSRIGHTS, 0, "SO_PASSRIGHTS");
            return true;
        }
        catch (final IOException ex)
        {
            LOG.info("kernel has no SO_PASSRIGHTS ({}): descriptors a sender attaches are received and closed on a " +
                "thread of their own", ex.getMessage());
            return false;
        }
    }

    static byte[] socketAddressBytes(final Path path) throws IOException
    {
        final byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SUN_PATH_LENGTH)
        {
            throw new IOException("socket path " + path + " is " + bytes.length + " bytes; the kernel takes at most " +
                (SUN_PATH_LENGTH - 1) + ": choose a shorter --socket");
        }
        return bytes;
    }

    static int openSocket(final Arena setup, final MemorySegment captured) throws IOException
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

    static void bindTo(
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
}
