package io.zerocp.daemon;

import io.zerocp.api.Protocol;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.zerocp.daemon.Syscalls.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The sending half of the native transport: replies are staged, up to {@link NativeTransport#BATCH}, and leave
 * together in one {@code sendmmsg} at {@link #flush()}. A reply carrying a descriptor goes out through
 * {@code SCM_RIGHTS} from the daemon's socket itself (the address clients already trust), and at once: a later request
 * of the same burst could delete the region and close the descriptor, and the number could be reused before the batch
 * leaves.
 * <p>
 * All native memory is allocated once; staging and sending allocate nothing. Conductor thread only.
 */
final class SendBatch
{
    private static final int BATCH = NativeTransport.BATCH;
    private static final int OUT_CONTROL = CMSG_HEADER + 8; // CMSG_SPACE(sizeof(int))
    private static final int OUT_DATA_STRIDE = Protocol.MAX_REPLY_LENGTH;

    private final int fd;
    private final MemorySegment errno;
    private final MemorySegment outHeaders;
    private final MemorySegment outIov;
    private final MemorySegment outData;
    private final MemorySegment outControl;

    private int staged;
    private long droppedReplies;
    private ByteBufferSegment replySource;

    /**
     * @param arena the transport's arena (it closes it).
     * @param errno the conductor thread's errno capture segment.
     * @param fd    the socket.
     */
    SendBatch(final Arena arena, final MemorySegment errno, final int fd)
    {
        this.fd = fd;
        this.errno = errno;
        outHeaders = arena.allocate(MMSGHDR.byteSize() * BATCH, 8);
        outIov = arena.allocate(IOVEC.byteSize() * BATCH, 8);
        outData = arena.allocate((long)OUT_DATA_STRIDE * BATCH, 8);
        outControl = arena.allocate((long)OUT_CONTROL * BATCH, 8);
        for (int i = 0; i < BATCH; i++)
        {
            final long header = i * MMSGHDR.byteSize();
            final long iov = i * IOVEC.byteSize();
            outIov.set(ADDRESS, iov + IOV_BASE, outData.asSlice((long)i * OUT_DATA_STRIDE));
            outHeaders.set(ADDRESS, header + MSG_IOV, outIov.asSlice(iov));
            outHeaders.set(JAVA_LONG, header + MSG_IOVLEN, 1);
        }
    }

    /**
     * Stages a reply to the sender whose address lies at {@code name} (a slot of the receive batch, unchanged until the
     * next receive, which flushes first); a reply with a descriptor is sent at once.
     *
     * @return false when a reply sent at once was dropped (counted by the caller, not here).
     */
    boolean reply(final ReplyBuffer reply, final long name, final int nameLength)
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
        outHeaders.set(JAVA_LONG, header + MSG_NAME, name);
        outHeaders.set(JAVA_INT, header + MSG_NAMELEN, nameLength);
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

    /** Sends every staged reply; one the kernel refuses is dropped and counted, the rest still go. */
    void flush()
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

    long droppedReplies()
    {
        return droppedReplies;
    }

    // Sent without errno capture (see Syscalls.SENDMMSG_FAST); a -1 is asked again through the capturing handle,
    // whose errno then says why.

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
