package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the conductor does when a receive fails. A closed socket ({@link ClosedChannelException}) never receives
 * again: the daemon stops, with one line saying why, instead of spinning on the same exception (a daemon once wrote
 * 1,663 identical WARN lines in 0.3 s that way). Any other failure may pass (a datagram the kernel reports an error
 * for, a transient shortage): the conductor backs off, 1 ms doubling to 100 ms while the failures go on, so an error
 * that repeats does not burn a core, and a burst of them is logged twice, its first failure and, once a receive
 * works again, how many followed.
 * <p>
 * Thread contract: the conductor thread's only; no allocation while failures repeat (a message is built for the
 * burst's first failure and its summary).
 */
final class ReceiveFailures
{
    private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);
    static final long FIRST_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long MAX_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Consumer<String> warn;
    private final Consumer<String> error;
    private long backoffNs;
    private long repeated;

    ReceiveFailures()
    {
        this(LOG::warn, LOG::error);
    }

    /** For tests: where the lines go. */
    ReceiveFailures(final Consumer<String> warn, final Consumer<String> error)
    {
        this.warn = warn;
        this.error = error;
    }

    /**
     * @param running whether the daemon is still meant to run (a close in progress closes the socket too: quiet)
     * @return true when the daemon must stop: the socket is closed and nothing will ever be received again
     */
    boolean failed(final IOException ex, final boolean running)
    {
        if (ex instanceof ClosedChannelException)
        {
            if (running)
            {
                error.accept("the daemon's socket was closed under it (" + ex + "): nothing can be received any " +
                    "more; stopping");
            }
            return true;
        }
        if (0 == backoffNs)
        {
            warn.accept("receive failed: " + ex + " (backing off; further failures in this burst are counted)");
            backoffNs = FIRST_BACKOFF_NS;
        }
        else
        {
            repeated++;
            backoffNs = Math.min(backoffNs * 2, MAX_BACKOFF_NS);
        }
        return false;
    }

    /** @return how long the conductor pauses after the failure just reported (0 when there is none). */
    long backoffNs()
    {
        return backoffNs;
    }

    /** A receive worked (a datagram, or nothing pending): the burst, if any, is over. */
    void received()
    {
        if (0 != backoffNs)
        {
            if (repeated > 0)
            {
                warn.accept("receive failed " + repeated + " more time(s) in that burst; receiving again");
            }
            backoffNs = 0;
            repeated = 0;
        }
    }
}
