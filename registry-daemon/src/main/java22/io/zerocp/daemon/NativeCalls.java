package io.zerocp.daemon;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

import static io.zerocp.daemon.Syscalls.CLOSE_IGNORING_ERRNO;
import static io.zerocp.daemon.Syscalls.EPOLLIN;
import static io.zerocp.daemon.Syscalls.EPOLL_CTL;
import static io.zerocp.daemon.Syscalls.EPOLL_CTL_ADD;
import static io.zerocp.daemon.Syscalls.EPOLL_DATA_OFFSET;
import static io.zerocp.daemon.Syscalls.describe;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * What the native transport's parts share around {@link Syscalls}: calling a downcall handle, checking its result,
 * closing a descriptor, registering one with an epoll.
 */
final class NativeCalls
{
    private NativeCalls()
    {
    }

    @FunctionalInterface
    interface IntCall
    {
        int call() throws Throwable;
    }

    /** For set-up calls only: a capturing lambda is an allocation. */
    static int call(final IntCall call)
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

    /** @return {@code rc}, unless it is negative: then why, from {@code errno}, as an exception. */
    static int check(final int rc, final String what, final MemorySegment errno) throws IOException
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

    /** Adds {@code watched} to {@code epoll} for reading, announced with {@code token}; {@code event} is scratch. */
    static void watch(
        final MemorySegment errno, final MemorySegment event, final int epoll, final int watched, final long token)
        throws IOException
    {
        event.set(JAVA_INT, 0, EPOLLIN);
        event.set(JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, token);
        check(call(() -> (int)EPOLL_CTL.invokeExact(errno, epoll, EPOLL_CTL_ADD, watched, event)), "epoll_ctl", errno);
    }

    static int align8(final long n)
    {
        return (int)((n + 7) & ~7L);
    }
}
