package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Polls the registered pids on its own thread and tells the conductor, through {@code sink}, when one is gone.
 * <p>
 * Polling {@code /proc} every few milliseconds finds a {@code kill -9} in about half a period; {@code onExit()} of a
 * non-child takes 0.3 to 5 s, needs a thread per pid and counts zombies as alive. The sleep between scans grows with
 * the scan's own cost so that thousands of clients cannot make this thread eat a core.
 */
final class ProcessWatcher implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ProcessWatcher.class);

    private final Map<Session, ProcessIdentity> watched = new ConcurrentHashMap<>();
    private final ProcessProbe probe;
    private final long periodNs;
    private final Consumer<LivenessEvent> sink;
    private final Thread thread;
    private volatile boolean running = true;

    ProcessWatcher(final ProcessProbe probe, final long periodMs, final Consumer<LivenessEvent> sink)
    {
        this.probe = probe;
        this.periodNs = TimeUnit.MILLISECONDS.toNanos(periodMs);
        this.sink = sink;
        this.thread = new Thread(this::run, "zerocpd-process-watcher");
        this.thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    /** Starts watching the session's claimed process. Thread-safe. */
    void watch(final Session session, final long pid, final long startTicks)
    {
        watched.put(session, new ProcessIdentity(pid, startTicks));
    }

    void unwatch(final Session session)
    {
        watched.remove(session);
    }

    int watchedCount()
    {
        return watched.size();
    }

    /** One scan over every watched pid; package-private so tests can drive it without the thread. */
    int scan()
    {
        int deaths = 0;
        for (final Map.Entry<Session, ProcessIdentity> entry : watched.entrySet())
        {
            final Session session = entry.getKey();
            final ProcessIdentity identity = entry.getValue();
            final long ticks = probe.startTicks(identity.pid());
            if (ticks == ProcessProbe.DEAD || ticks != identity.startTicks())
            {
                if (watched.remove(session, identity))
                {
                    deaths++;
                    sink.accept(new LivenessEvent(session, EndCause.PROCESS_EXIT));
                }
            }
        }
        return deaths;
    }

    private void run()
    {
        while (running)
        {
            final long start = System.nanoTime();
            try
            {
                scan();
            }
            catch (final RuntimeException ex)
            {
                LOG.error("process scan failed; will retry", ex);
            }
            final long cost = System.nanoTime() - start;
            LockSupport.parkNanos(Math.max(periodNs, 2 * cost));
        }
    }

    @Override
    public void close()
    {
        if (running)
        {
            running = false;
            LockSupport.unpark(thread);
            try
            {
                thread.join(1000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A pid and the start time that tells this incarnation of it from a later process with the same pid. */
    private record ProcessIdentity(long pid, long startTicks)
    {
    }
}
