package io.zerocp.daemon;

import io.zerocp.api.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;

import static io.zerocp.daemon.NativeCalls.align8;
import static io.zerocp.daemon.NativeCalls.closeQuietly;
import static io.zerocp.daemon.Syscalls.*;
import static io.zerocp.daemon.Transport.DROPPED;
import static io.zerocp.daemon.Transport.UNKNOWN_ID;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The receiving half of the native transport: one {@code recvmmsg} fills up to {@link NativeTransport#BATCH} message
 * headers, and {@link #next()} hands them out one at a time with the sender's address (taken with the exact length the
 * kernel reports, {@code msg_namelen}: {@code \0a} and {@code \0a\0} are two sockets, so they are two clients) and its
 * kernel credentials and pidfd from the ancillary data.
 * <p>
 * All native memory is allocated once; nothing here allocates per request (a sender's address is looked up through a
 * flyweight in a table of the addresses seen, which only a new address grows). Conductor thread only.
 */
final class ReceiveBatch
{
    /** The transport's logger: operators know these lines by it. */
    private static final Logger LOG = LoggerFactory.getLogger(NativeTransport.class);

    private static final int BATCH = NativeTransport.BATCH;
    private static final int RECEIVE_CAPACITY = Protocol.MAX_REQUEST_LENGTH + 1;
    private static final int IN_DATA_STRIDE = align8(RECEIVE_CAPACITY);
    private static final int NAME_STRIDE = align8(SOCKADDR_UN_SIZE);
    /**
     * Credentials (32) and a pidfd (24), plus room for the most descriptors one datagram can carry ({@code SCM_MAX_FD}
     * 253: 1,032 bytes), where a kernel before 6.16 lets senders attach them: every one is then installed here and
     * closed by the {@link DescriptorCloser}. A smaller buffer would make the kernel close those that do not fit on
     * this thread, on its way back from {@code recvmmsg} (issue 25).
     */
    private static final int IN_CONTROL = 1280;
    /** Addresses remembered for allocation-free look-ups; past this the table starts again (a flood of names). */
    private static final int MAX_INTERNED_ADDRESSES = 1 << 16;
    /** The ids the kernel reports for a datagram that carries none (and for ids not mapped into our namespace). */
    private static final int OVERFLOW_UID = overflowId("/proc/sys/kernel/overflowuid");
    private static final int OVERFLOW_GID = overflowId("/proc/sys/kernel/overflowgid");

    private final int fd;
    private final MemorySegment errno;
    /** Whether the socket refuses descriptors at the sender ({@code SO_PASSRIGHTS} 0): none ever arrives then. */
    private final boolean refusesDescriptors;
    /** Started at the first attached descriptor, on kernels that let senders attach them. */
    private DescriptorCloser<int[]> closer;
    private final MemorySegment inHeaders;
    private final MemorySegment inIov;
    private final MemorySegment names;
    private final MemorySegment inData;
    private final MemorySegment inControl;
    private final byte[] requestBytes = new byte[RECEIVE_CAPACITY];
    private final ClientAddress lookup = ClientAddress.flyweight(SUN_PATH_LENGTH);
    private final HashMap<ClientAddress, ClientAddress> addresses = new HashMap<>();

    private int received;
    private int cursor;
    private int slot = -1;
    private ClientAddress senderKey;
    private int senderPid = UNKNOWN_ID;
    private int senderUid = UNKNOWN_ID;
    private int senderGid = UNKNOWN_ID;
    private boolean senderUidAmbiguous;
    private int senderPidfd = -1;
    private long unboundSenders;
    private long truncatedControls;
    private long receiveErrors;

    /**
     * @param arena the transport's arena (it closes it).
     * @param errno the conductor thread's errno capture segment.
     * @param fd    the socket.
     * @param refusesDescriptors whether {@code SO_PASSRIGHTS} 0 is set on it.
     */
    ReceiveBatch(final Arena arena, final MemorySegment errno, final int fd, final boolean refusesDescriptors)
    {
        this.fd = fd;
        this.refusesDescriptors = refusesDescriptors;
        this.errno = errno;
        inHeaders = arena.allocate(MMSGHDR.byteSize() * BATCH, 8);
        inIov = arena.allocate(IOVEC.byteSize() * BATCH, 8);
        names = arena.allocate((long)NAME_STRIDE * BATCH, 8);
        inData = arena.allocate((long)IN_DATA_STRIDE * BATCH, 8);
        inControl = arena.allocate((long)IN_CONTROL * BATCH, 8);
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
        }
    }

    /** @return whether datagrams of the last batch are still to be handed out. */
    boolean hasPending()
    {
        return cursor < received;
    }

    /**
     * Starts a new batch: reads what is queued when {@code readable}, else nothing.
     *
     * @return the datagrams read (0 when none was queued or the kernel refused).
     */
    int refill(final boolean readable)
    {
        cursor = 0;
        received = readable ? receiveBatch() : 0;
        return received;
    }

    /**
     * Makes the next datagram of the batch the current one (call only while {@link #hasPending()}): its sender's
     * credentials and address, its bytes in {@link #requestBytes()}.
     *
     * @return its length ({@code > MAX_REQUEST_LENGTH} when cut), or {@link Transport#DROPPED} for an unbound sender.
     */
    int next()
    {
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

    /** @return the native address of the current datagram's sender address, for a reply's {@code msg_name}. */
    long senderName()
    {
        return names.address() + (long)slot * NAME_STRIDE;
    }

    /** @return the length of the current datagram's sender address, for a reply's {@code msg_namelen}. */
    int senderNameLength()
    {
        return inHeaders.get(JAVA_INT, slot * MMSGHDR.byteSize() + MSG_NAMELEN);
    }

    private int receiveBatch()
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

    /** Reads the credentials and pidfd of one datagram; closes any descriptor a sender attached itself. */
    private void readControl(final int slot, final long controlLength, final int flags)
    {
        senderPid = UNKNOWN_ID;
        senderUid = UNKNOWN_ID;
        senderGid = UNKNOWN_ID;
        senderUidAmbiguous = false;
        senderPidfd = -1;
        final long start = (long)slot * IN_CONTROL;
        final long end = start + Math.min(Math.max(controlLength, 0), IN_CONTROL);
        long at = start;
        boolean credentials = false;
        int pid = 0;
        int uid = UNKNOWN_ID;
        int gid = UNKNOWN_ID;
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
                if (type == SCM_CREDENTIALS && dataLength >= UCRED_SIZE)
                {
                    credentials = true;
                    pid = inControl.get(JAVA_INT, data);
                    uid = inControl.get(JAVA_INT, data + 4);
                    gid = inControl.get(JAVA_INT, data + 8);
                }
                else if (type == SCM_PIDFD && dataLength >= 4)
                {
                    closeQuietly(senderPidfd);
                    senderPidfd = inControl.get(JAVA_INT, data);
                }
                else if (type == SCM_RIGHTS)
                {
                    handOffAttached(data, dataLength); // nobody sends the daemon descriptors
                }
            }
            at += align8(length);
        }
        if (credentials)
        {
            takeCredentials(pid, uid, gid);
        }
        if ((flags & MSG_CTRUNC) != 0 && Long.bitCount(++truncatedControls) == 1)
        {
            LOG.warn("a datagram's ancillary data was cut ({} so far): a sender attached descriptors",
                truncatedControls);
        }
    }

    /**
     * Passes the descriptors of one {@code SCM_RIGHTS} message to the closer thread: their close may block for as
     * long as their sender chose (a socket with {@code SO_LINGER}), and this is the request thread.
     */
    private void handOffAttached(final long data, final long dataLength)
    {
        final int count = (int)(dataLength / 4);
        if (count <= 0)
        {
            return;
        }
        final int[] descriptors = new int[count]; // allocates, but only for a sender that attached descriptors
        for (int i = 0; i < count; i++)
        {
            descriptors[i] = inControl.get(JAVA_INT, data + 4L * i);
        }
        if (null == closer)
        {
            if (refusesDescriptors)
            {
                LOG.warn("descriptors arrived although the socket refuses them (SO_PASSRIGHTS): closing them apart");
            }
            closer = new DescriptorCloser<>(ReceiveBatch::closeAll, "zerocpd-descriptor-closer");
        }
        closer.close(descriptors, count, "pid " + senderPid + " uid " + senderUid);
    }

    private static void closeAll(final int[] descriptors)
    {
        for (final int descriptor : descriptors)
        {
            closeQuietly(descriptor);
        }
    }

    /** Stops the closer thread, if one was started. */
    void close()
    {
        if (null != closer)
        {
            closer.close();
        }
    }

    /**
     * The kernel's pid, uid and gid of a datagram. A pid above 0 names the sender in the daemon's pid namespace. Pid
     * 0 comes in two cases: the sender's pid namespace is not the daemon's nor below it (a sibling container), and
     * then the uid and gid are still the kernel's, checked like any other (only the pid cannot be named); or the
     * datagram was queued before {@code SO_PASSCRED} was set (a socket passed by a supervisor that did not set it),
     * and then the kernel attached nothing and reports the overflow ids (65534). Either way the uid is kept: per-uid
     * limits count by it. A sibling's datagram carries a pidfd ({@code SCM_PIDFD}, when enabled) and a queued one
     * never does; without one, the overflow ids are ambiguous (a sibling's {@code nobody}, or no one in particular).
     */
    private void takeCredentials(final int pid, final int uid, final int gid)
    {
        senderPid = pid > 0 ? pid : UNKNOWN_ID;
        senderUid = uid;
        senderGid = gid;
        senderUidAmbiguous = pid <= 0 && senderPidfd < 0 && uid == OVERFLOW_UID && gid == OVERFLOW_GID;
    }

    private static int overflowId(final String file)
    {
        // A stream, not Files.readString: that reads a sysctl file in pieces, and the kernel ends it after the first
        // (measured: "6" for "65534").
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(file)))
        {
            return Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim());
        }
        catch (final java.io.IOException | RuntimeException ex)
        {
            return 65_534; // the kernel's default
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

    /** Closes the current sender's pidfd unless it was taken. */
    void releaseSender()
    {
        closeQuietly(senderPidfd);
        senderPidfd = -1;
    }

    byte[] requestBytes()
    {
        return requestBytes;
    }

    ClientAddress senderKey()
    {
        return senderKey;
    }

    int senderPid()
    {
        return senderPid;
    }

    int senderUid()
    {
        return senderUid;
    }

    int senderGid()
    {
        return senderGid;
    }

    boolean senderUidAmbiguous()
    {
        return senderUidAmbiguous;
    }

    /** @return the current sender's pidfd, now the caller's to close, or -1. */
    int takeSenderPidfd()
    {
        final int taken = senderPidfd;
        senderPidfd = -1;
        return taken;
    }
}
