package io.zerocp.daemon;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;

import static io.zerocp.daemon.NativeCalls.call;
import static io.zerocp.daemon.NativeCalls.check;
import static io.zerocp.daemon.NativeCalls.closeQuietly;
import static io.zerocp.daemon.Syscalls.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Process exits as events: sessions' pidfds ({@code pidfd_open}) live in an epoll of their own, which
 * {@link EpollWaiter} watches beside the socket, so an exit wakes the same wait; {@link #drain} then reports the
 * exited processes' tokens. Conductor thread only; draining allocates nothing.
 */
final class PidfdWatcher
{
    private static final int MAX_EVENTS = 8;

    private final MemorySegment errno;
    private final MemorySegment processEvents;
    private final MemorySegment processEvent;
    private final int processEpollFd;
    /** Whether exits may be waiting: set when the main epoll announces them, kept while a drain comes back full. */
    private boolean processesReady;
    private boolean closed;

    /**
     * @param arena the transport's arena (it closes it).
     * @param errno the conductor thread's errno capture segment.
     */
    PidfdWatcher(final Arena arena, final MemorySegment errno) throws IOException
    {
        this.errno = errno;
        processEvents = arena.allocate((long)EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
        processEvent = arena.allocate(EPOLL_EVENT_SIZE, 8);
        processEpollFd = check(call(() -> (int)EPOLL_CREATE1.invokeExact(errno, EPOLL_CLOEXEC)), "epoll_create1",
            errno);
    }

    /** @return the epoll of the watched pidfds, for the main epoll to watch. */
    int epollFd()
    {
        return processEpollFd;
    }

    /** The main epoll said a watched process exited. */
    void announce()
    {
        processesReady = true;
    }

    /** @return whether exits may be waiting to be drained. */
    boolean announced()
    {
        return processesReady;
    }

    /** @return a pidfd for the process (close-on-exec), or -1 when there is none (gone, or not a pid). */
    int open(final long pid)
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

    /** Watches a pidfd (the caller's still, closed through {@link #unwatch}); its exit is reported as {@code token}. */
    void watch(final int pidfd, final long token)
    {
        try
        {
            NativeCalls.watch(errno, processEvent, processEpollFd, pidfd, token);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot watch a pidfd: " + ex.getMessage(), ex);
        }
    }

    /** Stops watching the pidfd and closes it. */
    void unwatch(final int pidfd)
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

    /**
     * Reports the tokens of exited processes, at most {@value #MAX_EVENTS} a call, if any were announced (or anyway,
     * when {@code evenIfNotAnnounced}).
     *
     * @return how many were reported.
     */
    int drain(final LongConsumer exited, final boolean evenIfNotAnnounced)
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

    /** Closes the epoll; the watched pidfds are closed by their owners' {@link #unwatch}, or with the process. */
    void close()
    {
        closed = true;
        closeQuietly(processEpollFd);
    }
}
