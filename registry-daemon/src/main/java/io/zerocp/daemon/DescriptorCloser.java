package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Closes, on a thread of its own, the descriptors a sender attached to a request (nobody sends the daemon any). Why a
 * thread: closing a descriptor can block for as long as the sender chose, e.g. a TCP socket with {@code SO_LINGER}
 * set and unsent data, whose last close waits out the linger time; on the request thread that froze every client
 * (issue 25: 4 to 12 s). Whoever closes the last reference pays that wait, so it must never be the conductor, and never
 * the kernel on the conductor's way back from {@code recvmsg} (which is what a control buffer too small for the
 * descriptors makes it do): the transports take every attached descriptor and hand it here.
 * <p>
 * Threads: {@link #close} is called by the conductor only; the closer thread only takes from the queue. The queue is
 * bounded ({@value #CAPACITY} datagrams) and so are the descriptors waiting in it ({@value #MAX_PENDING_DESCRIPTORS}):
 * when the closer falls behind (a sender attaching 250 descriptors to every datagram outruns it) or a close has wedged
 * it, the descriptors past the bound are closed on the caller's thread after all (counted and logged). The bound is in
 * descriptors because they, not datagrams, fill the daemon's descriptor table: at {@code RLIMIT_NOFILE} (20,000 here)
 * every open of the daemon fails, and the kernel truncates the next datagram's descriptors ({@code MSG_CTRUNC}),
 * which junixsocket reports as {@code ENOBUFS} while leaving the ones it did install open (measured: CI, JDK 17). On kernels with {@code SO_PASSRIGHTS} the
 * native transport never receives a descriptor and never starts this thread.
 *
 * @param <T> how the transport holds one datagram's descriptors ({@code int[]}, {@code FileDescriptor[]}).
 */
final class DescriptorCloser<T> implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(DescriptorCloser.class);
    static final int CAPACITY = 1024;
    /** Descriptors handed over and not yet closed, at most: far below any descriptor limit the daemon runs with. */
    static final int MAX_PENDING_DESCRIPTORS = 4096;
    private static final long LOG_WINDOW_NS = TimeUnit.SECONDS.toNanos(10);

    private final ArrayBlockingQueue<Batch<T>> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Consumer<T> closeAll;
    private final Thread thread;
    private volatile boolean closed;
    /** Written by both threads: added by the conductor on hand-over, taken by the closer once closed. */
    private final AtomicInteger pending = new AtomicInteger();
    private long handedOver;
    private long closedInline;
    private long windowStartNs;
    private long inWindow;
    private boolean logged;

    /**
     * @param closeAll closes every descriptor of one datagram; must not throw.
     * @param name     what the thread is called.
     */
    DescriptorCloser(final Consumer<T> closeAll, final String name)
    {
        this.closeAll = closeAll;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true); // a close that never returns must not keep the JVM from exiting
        this.thread.start();
    }

    /**
     * Hands one datagram's descriptors to the closer thread. Conductor thread.
     *
     * @param count  how many descriptors (for the log).
     * @param sender who attached them (for the log), or null when not known.
     */
    void close(final T descriptors, final int count, final Object sender)
    {
        handedOver++;
        if (closed || pending.get() + count > MAX_PENDING_DESCRIPTORS || !offer(descriptors, count))
        {
            closedInline++;
            closeAll.accept(descriptors); // bounded: see the class comment
        }
        final long now = System.nanoTime();
        if (logged && now - windowStartNs < LOG_WINDOW_NS)
        {
            inWindow++;
            return;
        }
        LOG.warn("a request came with {} attached descriptor(s) from {}; closed off the request thread ({} such " +
            "requests in the last burst, {} in all, {} closed on the request thread because the closer was behind)",
            count, null == sender ? "an unknown sender" : sender, inWindow, handedOver, closedInline);
        logged = true;
        windowStartNs = now;
        inWindow = 0;
    }

    private boolean offer(final T descriptors, final int count)
    {
        pending.addAndGet(count);
        if (queue.offer(new Batch<>(descriptors, count))) // allocates, but only for a sender that attached some
        {
            return true;
        }
        pending.addAndGet(-count);
        return false;
    }

    private static final class Batch<T>
    {
        final T descriptors;
        final int count;

        Batch(final T descriptors, final int count)
        {
            this.descriptors = descriptors;
            this.count = count;
        }
    }

    /** @return datagrams whose descriptors were closed on the caller's thread because the closer was behind. */
    long closedInline()
    {
        return closedInline;
    }

    private void run()
    {
        while (!closed)
        {
            try
            {
                final Batch<T> next = queue.poll(1, TimeUnit.SECONDS);
                if (null != next)
                {
                    closeAll.accept(next.descriptors);
                    pending.addAndGet(-next.count);
                }
            }
            catch (final InterruptedException ex)
            {
                break;
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("closing an attached descriptor failed: {}", ex.toString());
            }
        }
        Batch<T> left;
        while (null != (left = queue.poll()))
        {
            closeAll.accept(left.descriptors);
            pending.addAndGet(-left.count);
        }
    }

    /** Stops the thread once the queue is empty (it closes what is left). Safe twice. */
    @Override
    public void close()
    {
        closed = true;
        thread.interrupt();
    }
}
