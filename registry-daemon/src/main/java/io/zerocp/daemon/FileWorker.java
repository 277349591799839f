package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs the slow file work off the conductor, one job at a time in order: making a region file (reserving its pages
 * takes ~0.4 s per GiB here) and the last close of an unlinked one (tmpfs frees its pages then: ~0.25 s per GiB).
 * One thread, so creations never compete for space and a creation after a removal finds the removed pages given
 * back. A job's result goes back to the conductor through its {@link ConductorInbox}: the conductor owns every bit
 * of state, the worker touches only files.
 * <p>
 * Inline (stepped drivers, tests of the registry alone) runs each job at once on the caller's thread.
 */
final class FileWorker implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(FileWorker.class);
    private static final long JOIN_MS = 8_000;

    /** A piece of file work: {@link #work()} off the conductor, then {@link #done()} on it. */
    interface Job
    {
        /** On the worker thread (or inline): files only. */
        void work();

        /** On the conductor thread, after {@link #work()}; not run for a job cancelled by {@link #close()}. */
        void done();

        /** Whether {@link #done()} needs to run (a close has nothing to report). */
        default boolean reports()
        {
            return true;
        }
    }

    private final ArrayBlockingQueue<Job> queue;
    private final ConductorInbox inbox;
    private final Thread thread;
    private volatile boolean closing;
    private boolean closed;

    private FileWorker(final int capacity, final ConductorInbox inbox, final boolean threaded)
    {
        this.queue = threaded ? new ArrayBlockingQueue<>(capacity) : null;
        this.inbox = inbox;
        this.thread = threaded ? new Thread(this::loop, "zerocpd-files") : null;
        if (threaded)
        {
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** A worker thread with a queue of {@code capacity} jobs reporting to {@code inbox}. */
    static FileWorker threaded(final int capacity, final ConductorInbox inbox)
    {
        return new FileWorker(capacity, inbox, true);
    }

    /** Runs every job at once on the caller's thread. */
    static FileWorker inline()
    {
        return new FileWorker(0, null, false);
    }

    boolean isInline()
    {
        return null == thread;
    }

    /**
     * Hands the worker a job. Inline, it runs (work, then done) before this returns.
     *
     * @return false when the queue is full or the worker is closing: the job was not taken.
     */
    boolean submit(final Job job)
    {
        if (null == thread)
        {
            job.work();
            if (job.reports())
            {
                job.done();
            }
            return true;
        }
        return !closing && queue.offer(job);
    }

    /** Closes channels off the conductor (the last close of an unlinked file frees its pages); at once if full. */
    void closeLater(final AutoCloseable... channels)
    {
        final Job job = new Job()
        {
            @Override
            public void work()
            {
                CloseHelper.quietCloseAll(channels);
            }

            @Override
            public void done()
            {
            }

            @Override
            public boolean reports()
            {
                return false;
            }
        };
        if (!submit(job))
        {
            job.work();
        }
    }

    private void loop()
    {
        while (true)
        {
            final Job job;
            try
            {
                job = queue.poll(100, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            if (null == job)
            {
                if (closing)
                {
                    return;
                }
                continue;
            }
            if (closing && job.reports())
            {
                continue; // a creation not begun when the daemon stops is not begun at all (its owner undoes it)
            }
            try
            {
                job.work();
            }
            catch (final RuntimeException | Error ex)
            {
                LOG.error("file job failed", ex); // each job reports its own failures; this is a bug
            }
            if (job.reports() && !closing)
            {
                inbox.submit(job::done);
            }
        }
    }

    /**
     * Stops: the job in hand finishes (a reservation cannot be interrupted), the closes queued still run, the
     * creations queued do not. Waits at most {@value #JOIN_MS} ms. Safe to call twice.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (null == thread)
        {
            return;
        }
        closing = true;
        try
        {
            thread.join(JOIN_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            LOG.warn("file worker still busy after {} ms; its creation is left to the next start", JOIN_MS);
        }
    }
}
