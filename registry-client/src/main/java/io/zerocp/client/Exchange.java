package io.zerocp.client;

import java.io.FileDescriptor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * One request handed to the connection's I/O thread, and the caller's wait for its answer.
 * <p>
 * Why a hand-over: junixsocket's datagram channel is an {@code InterruptibleChannel}; a thread interrupted while
 * inside any of its operations closes the channel, and the client has one socket for all its threads. So no caller
 * ever touches the channel: it queues an {@code Exchange} and waits for it on a latch, which an interrupt only wakes.
 * <p>
 * Thread contract: the caller creates it and waits in {@link #await}; the I/O thread {@link #start}s it, fills in the
 * answer and {@link #complete}s it. A caller that stops waiting (interrupted, or its deadline passed while the
 * exchange was still queued) {@link #abandon}s it: a queued exchange is then never sent, and one in flight ends
 * normally with its answer thrown away (a passed descriptor is closed) by the I/O thread.
 */
final class Exchange
{
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int ABANDONED = 3;

    final String request;
    final Predicate<String> plausible;
    final long deadline;
    final long timeoutNs;
    final int retries;

    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final CountDownLatch done = new CountDownLatch(1);
    /** Written by the I/O thread before {@link #complete}, read by the caller after the latch. */
    private String reply;
    private FileDescriptor descriptor;
    private RuntimeException failure;

    Exchange(
        final String request, final Predicate<String> plausible, final long deadline, final long timeoutNs,
        final int retries)
    {
        this.request = request;
        this.plausible = plausible;
        this.deadline = deadline;
        this.timeoutNs = timeoutNs;
        this.retries = retries;
    }

    /** I/O thread: @return whether to run it (false when its caller gave up while it was queued). */
    boolean start()
    {
        return state.compareAndSet(QUEUED, RUNNING);
    }

    /** I/O thread: the answer (and the descriptor that came with it, or null), or why there is none. */
    void complete(final String reply, final FileDescriptor descriptor, final RuntimeException failure)
    {
        this.reply = reply;
        this.descriptor = descriptor;
        this.failure = failure;
        if (!state.compareAndSet(RUNNING, DONE) && null != descriptor)
        {
            DatagramConnection.closeDescriptor(descriptor); // nobody waits for it any more
            this.descriptor = null;
        }
        done.countDown();
    }

    /** Ends an exchange that never ran (the connection closed). */
    void fail(final RuntimeException failure)
    {
        if (state.compareAndSet(QUEUED, DONE))
        {
            this.failure = failure;
            done.countDown();
        }
    }

    /** @return whether the caller gave up on it before it could finish. */
    private boolean abandon()
    {
        return state.compareAndSet(QUEUED, ABANDONED) || state.compareAndSet(RUNNING, ABANDONED);
    }

    /**
     * Waits for the answer: until the deadline while queued (then gives up: the socket was busy all that time),
     * until the I/O thread finishes once it runs (it keeps to the same deadline).
     *
     * @param interruptible false for the release a close sends: it waits (a second at most) and keeps the interrupt.
     * @return the reply; the descriptor that came with it is in {@link #descriptor()}.
     * @throws RegistryInterruptedException when the caller was interrupted first (interrupt status kept set).
     */
    String await(final boolean interruptible, final String daemonPath)
    {
        boolean interrupted = false;
        try
        {
            while (true)
            {
                final long waitNs = deadline - System.nanoTime();
                try
                {
                    if (waitNs > 0)
                    {
                        if (done.await(waitNs, TimeUnit.NANOSECONDS))
                        {
                            break;
                        }
                    }
                    else if (state.compareAndSet(QUEUED, ABANDONED))
                    {
                        throw new RegistryUnavailableException("no zerocpd answered '" +
                            Replies.printable(request) + "' at " + daemonPath + " within " +
                            TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (the socket was busy with other " +
                            "requests of this client all that time)", null);
                    }
                    else
                    {
                        done.await(); // running: the I/O thread ends it at the deadline
                        break;
                    }
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                    if (interruptible && abandon())
                    {
                        throw new RegistryInterruptedException("interrupted while waiting for zerocpd to answer '" +
                            Replies.printable(request) + "'; the client stays usable, whether the daemon acted on " +
                            "it is unknown", ex);
                    }
                }
            }
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
        if (null != failure)
        {
            throw failure;
        }
        return reply;
    }

    /** @return the descriptor that came with the answer (the caller owns it), once {@link #await} returned. */
    FileDescriptor descriptor()
    {
        return descriptor;
    }
}
