package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Tells the conductor when a session's process is gone: through a pidfd the transport watches in its own wait where
 * it can (the native transport: the exit is seen in the same loop turn, and a pidfd names one process, so a reused
 * pid cannot pass for it), else by polling the pids on its own thread and posting to {@code sink}.
 * <p>
 * Polling {@code /proc} every few milliseconds finds a {@code kill -9} in about half a period; {@code onExit()} of a
 * non-child takes 0.3 to 5 s, needs a thread per pid and counts zombies as alive. The sleep between scans grows with
 * the scan's own cost so that thousands of clients cannot make this thread eat a core.
 */
final class ProcessWatcher implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ProcessWatcher.class);

    private final Map<Session, ProcessIdentity> watched = new ConcurrentHashMap<>();
    /** Sessions watched through pidfds, by id; conductor thread only. */
    private final Map<Long, Session> byPidfdToken = new HashMap<>();
    private Transport pidfds;
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

    /**
     * From now on, watch processes through pidfds of {@code transport} where it has them; the processes polled so
     * far (sessions restored from the journal) move over. Conductor thread, or before it starts.
     */
    void usePidfds(final Transport transport)
    {
        this.pidfds = transport;
        for (final Map.Entry<Session, ProcessIdentity> entry : Map.copyOf(watched).entrySet())
        {
            watch(entry.getKey(), entry.getValue().pid(), entry.getValue().startTicks());
        }
    }

    /** Starts watching the session's process. Conductor thread. */
    void watch(final Session session, final long pid, final long startTicks)
    {
        watch(session, pid, startTicks, -1);
    }

    /**
     * @param given a pidfd on the process the kernel attached to its datagram (this watcher now owns it), or -1 to
     *              open one.
     */
    void watch(final Session session, final long pid, final long startTicks, final int given)
    {
        unwatch(session);
        final int pidfd = given >= 0 || null == pidfds ? given : pidfds.openPidfd(pid);
        if (pidfd >= 0 && given >= 0)
        {
            session.pidfd = pidfd; // the kernel's own: it is the sender's process whatever its pid is now
            byPidfdToken.put(session.id, session);
            pidfds.watchProcess(pidfd, session.id);
            return;
        }
        if (pidfd >= 0)
        {
            // The pidfd names whatever process has the pid now: the start time says it is still the one asked
            // about (a pid cannot be reused within the clock tick its first process started in, and a reuse means
            // the first has exited, which is what this watch is for).
            final long now = probe.startTicks(pid);
            if (now != startTicks && now != ProcessProbe.NO_DESCRIPTORS)
            {
                pidfds.unwatchProcess(pidfd);
                sink.accept(new LivenessEvent(session, EndCause.PROCESS_EXIT));
                return;
            }
            session.pidfd = pidfd;
            byPidfdToken.put(session.id, session);
            pidfds.watchProcess(pidfd, session.id);
            return;
        }
        watched.put(session, new ProcessIdentity(pid, startTicks));
    }

    void unwatch(final Session session)
    {
        if (session.pidfd >= 0)
        {
            pidfds.unwatchProcess(session.pidfd);
            session.pidfd = -1;
            byPidfdToken.remove(session.id);
        }
        watched.remove(session);
    }

    /** @return the session whose pidfd reported an exit (no longer watched), or null. Conductor thread. */
    Session exited(final long token)
    {
        final Session session = byPidfdToken.remove(token);
        if (null != session && session.pidfd >= 0)
        {
            pidfds.unwatchProcess(session.pidfd);
            session.pidfd = -1;
        }
        return session;
    }

    int watchedCount()
    {
        return watched.size() + byPidfdToken.size();
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
            if (ticks == ProcessProbe.NO_DESCRIPTORS)
            {
                continue; // could not look: the next scan will
            }
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
        for (final Session session : java.util.List.copyOf(byPidfdToken.values()))
        {
            unwatch(session); // closes the pidfd: a stopped daemon keeps no descriptors of its clients
        }
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
