package io.zerocp.daemon;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.zerocp.daemon.NativeCalls.call;
import static io.zerocp.daemon.NativeCalls.check;
import static io.zerocp.daemon.NativeCalls.closeQuietly;
import static io.zerocp.daemon.NativeCalls.watch;
import static io.zerocp.daemon.Syscalls.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Where the conductor sleeps: one epoll over the socket, an eventfd that {@link #wakeup()} writes from any thread, and
 * the epoll of watched pidfds ({@link PidfdWatcher}), so a datagram, a wake-up and a process exit all end the same
 * wait. Level-triggered: whatever came meanwhile wakes the next wait at once.
 * <p>
 * {@link #await(long)} is for the conductor thread only and allocates nothing; {@link #wakeup()} takes a lock so it
 * never writes to a descriptor {@link #markClosed()} has given up.
 */
final class EpollWaiter
{
    /** {@link #await}: the socket has datagrams queued. */
    static final int SOCKET_READY = 1;
    /** {@link #await}: a watched process has exited. */
    static final int PROCESSES_READY = 2;
    /** {@link #await}: the wait was interrupted (EINTR), so nothing is known. */
    static final int INTERRUPTED = 4;

    private static final int MAX_EVENTS = 8;
    private static final long TOKEN_SOCKET = 0;
    private static final long TOKEN_WAKEUP = 1;
    private static final long TOKEN_PROCESSES = 2;

    private final MemorySegment errno;
    private final MemorySegment wakeErrno;
    private final MemorySegment events;
    private final MemorySegment counterValue;
    private final MemorySegment wakeValue;
    private final Object wakeLock = new Object();
    private final int epollFd;
    private final int wakeFd;
    private boolean closed;

    /**
     * @param arena          the transport's arena (it closes it).
     * @param errno          the conductor thread's errno capture segment.
     * @param socketFd       the socket to watch.
     * @param processEpollFd the watched pidfds' epoll, itself watched here.
     */
    EpollWaiter(final Arena arena, final MemorySegment errno, final int socketFd, final int processEpollFd)
        throws IOException
    {
        this.errno = errno;
        wakeErrno = Syscalls.newCaptureState(arena);
        events = arena.allocate((long)EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
        counterValue = arena.allocate(8, 8);
        wakeValue = arena.allocate(8, 8);
        wakeValue.set(JAVA_LONG, 0, 1L);
        final MemorySegment event = arena.allocate(EPOLL_EVENT_SIZE, 8);
        epollFd = check(call(() -> (int)EPOLL_CREATE1.invokeExact(errno, EPOLL_CLOEXEC)), "epoll_create1", errno);
        wakeFd = check(call(() -> (int)EVENTFD.invokeExact(errno, 0, EFD_NONBLOCK | EFD_CLOEXEC)), "eventfd", errno);
        watch(errno, event, epollFd, socketFd, TOKEN_SOCKET);
        watch(errno, event, epollFd, wakeFd, TOKEN_WAKEUP);
        watch(errno, event, epollFd, processEpollFd, TOKEN_PROCESSES);
    }

    /**
     * Waits until the socket is readable, a process exited or {@link #wakeup()} was called, for {@code timeoutMs} at
     * most (0: only look). A wake-up is consumed here.
     *
     * @return {@link #SOCKET_READY} and {@link #PROCESSES_READY} as they came, or {@link #INTERRUPTED}.
     */
    int await(final long timeoutMs)
    {
        final int n = epollWait((int)Math.max(0, Math.min(timeoutMs, Integer.MAX_VALUE)));
        if (n < 0)
        {
            return INTERRUPTED;
        }
        int ready = 0;
        for (int i = 0; i < n; i++)
        {
            final long token = events.get(JAVA_LONG_UNALIGNED, (long)i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
            if (token == TOKEN_SOCKET)
            {
                ready |= SOCKET_READY;
            }
            else if (token == TOKEN_PROCESSES)
            {
                ready |= PROCESSES_READY;
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
        return ready;
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

    /** Ends the current or next {@link #await}; any thread, any time (nothing once closed). */
    void wakeup()
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

    /** @return true the first time: from now on {@link #wakeup()} does nothing, and the caller closes everything. */
    boolean markClosed()
    {
        synchronized (wakeLock)
        {
            if (closed)
            {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /** Closes the epoll and the eventfd (after {@link #markClosed()}). */
    void closeDescriptors()
    {
        closeQuietly(epollFd);
        closeQuietly(wakeFd);
    }
}
