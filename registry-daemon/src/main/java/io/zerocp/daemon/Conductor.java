package io.zerocp.daemon;

import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread that owns the registry. Each duty cycle answers the pending requests, applies the liveness events
 * and tasks posted to its {@link ConductorInbox}, runs the lease timer and reaps lingering regions; with nothing to
 * do it waits on the socket until the next lease or linger deadline (at most {@value #MAX_IDLE_MS} ms).
 * <p>
 * Leases are judged by serving time ({@link ServingClock}): time in which this loop did not run counts against no
 * client. And a cycle expires leases only once it has read the socket queue empty, so renewals that were waiting
 * there count first; a flood that never lets the queue empty postpones expiry for at most
 * {@value #MAX_DEFERRED_EXPIRIES} cycles.
 */
final class Conductor implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);
    private static final int REQUEST_BURST = 64;
    private static final long MAX_IDLE_MS = 100;
    /** Cycles in a row that may skip the lease timer because requests were still queued. */
    private static final int MAX_DEFERRED_EXPIRIES = 64;

    private final Transport transport;
    private final RequestHandler handler;
    private final Registry registry;
    private final DaemonCounters counters;
    private final NanoClock nanoClock;
    private final ConductorInbox inbox;
    private final ReplyBuffer reply = new ReplyBuffer();
    private final ReceiveFailures receiveFailures = new ReceiveFailures();
    private final java.util.function.LongConsumer onProcessExit = this::onProcessExit;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Runnable onStop;
    private volatile boolean running = true;
    private volatile HandoverPause pauseRequest;
    private volatile boolean handedOver;
    private int deferredExpiries;

    /**
     * @param onStop runs on the conductor thread when the loop ends (closes the socket and the rest).
     */
    Conductor(final DaemonCore core, final Transport transport, final Runnable onStop)
    {
        this.transport = transport;
        this.handler = core.handler;
        this.registry = core.registry;
        this.counters = core.context.counters();
        this.nanoClock = core.context.nanoClock();
        this.inbox = core.context.inbox();
        this.onStop = onStop;
        core.handler.creations().replyThrough(transport);
        inbox.wakeWith(transport::wakeup);
    }

    /** For {@link SteppedDaemon}: the handler this conductor answers with. */
    RequestHandler handler()
    {
        return handler;
    }

    /** Runs {@code task} on the conductor thread, between requests (e.g. a policy reload). Safe from any thread. */
    void submit(final Runnable task)
    {
        inbox.submit(task);
    }

    @Override
    public void run()
    {
        try
        {
            registry.leases().startServing();
            while (running)
            {
                final HandoverPause pause = pauseRequest;
                if (null != pause && handler.creations().underWay())
                {
                    // A region being made is finished and answered first (its file worker must be idle before the
                    // journal is the successor's); no new request is read meanwhile, they queue in the kernel.
                    if (runTasks() == 0)
                    {
                        LockSupport.parkNanos(200_000);
                    }
                    transport.flush();
                    continue;
                }
                if (null != pause)
                {
                    // Between duty cycles: every request taken was answered (flushed) and journaled. Nothing is left
                    // in the native transport's receive batch either: a burst is two whole batches or ends on an
                    // empty receive.
                    final boolean over = pause.holdConductor();
                    pauseRequest = null;
                    if (over)
                    {
                        handedOver = true;
                        break;
                    }
                    // Taken back: look at the socket before the next cycle, so the requests that queued during the
                    // pause (renewals among them) are read before any lease is judged; the native transport would
                    // otherwise trust its last short batch and wait for epoll to announce them.
                    lookAtSocket();
                    continue;
                }
                if (doWork() == 0 && running && null == pauseRequest)
                {
                    transport.awaitReadable(idleMs());
                }
            }
        }
        catch (final Throwable t)
        {
            LOG.error("conductor failed; shutting down", t);
        }
        finally
        {
            try
            {
                onStop.run();
            }
            finally
            {
                stopped.countDown();
            }
        }
    }

    int doWork()
    {
        int work = 0;
        boolean drained = false;
        for (int i = 0; i < REQUEST_BURST; i++)
        {
            final int length;
            try
            {
                length = transport.receive();
            }
            catch (final IOException ex)
            {
                // One bad receive (e.g. a datagram the kernel reports an error for) must not stop the daemon; a
                // closed socket does, once (ReceiveFailures).
                if (receiveFailures.failed(ex, running))
                {
                    running = false;
                    break;
                }
                LockSupport.parkNanos(receiveFailures.backoffNs());
                work++;
                break;
            }
            receiveFailures.received();
            if (length == Transport.NOTHING_PENDING)
            {
                drained = true;
                break;
            }
            work++;
            if (length == Transport.DROPPED)
            {
                continue;
            }
            final long receivedNs = nanoClock.nanoTime(); // metrics: receive-to-reply time starts
            reply.clear();
            try
            {
                handler.onRequest(transport.requestBytes(), length, transport, reply);
            }
            catch (final RuntimeException ex)
            {
                // A bug must cost one request, never the daemon.
                LOG.error("request failed", ex);
                reply.clear().put(io.zerocp.api.ErrorReply.INTERNAL.bytes());
            }
            if (reply.isDeferred())
            {
                continue; // a region being made: answered (and timed) when it is ready, see RegionCreations
            }
            // metrics: receive-to-reply time ends as the reply is handed to the socket (recorded before it goes, so
            // a client holding its reply always finds its request counted)
            counters.latency().record(handler.lastVerb(), nanoClock.nanoTime() - receivedNs);
            if (!transport.reply(reply))
            {
                counters.droppedReply();
            }
        }
        // Process exits come in the same wait as requests; under a flood (the conductor never waits) look anyway.
        work += transport.drainExitedProcesses(onProcessExit, work >= REQUEST_BURST);

        final long droppedBefore = transport.droppedReplies();
        transport.flush(); // a batching transport sends the burst's replies together
        counters.droppedReplies(transport.droppedReplies() - droppedBefore);

        LivenessEvent event;
        while (null != (event = inbox.pollEvent()))
        {
            try
            {
                onLiveness(event);
            }
            catch (final RuntimeException ex)
            {
                LOG.error("liveness event {} failed", event, ex);
            }
            work++;
        }

        work += runTasks();

        // Renewals still queued count before anyone's lease is judged (issue 25): expire on a cycle that read the
        // queue empty, or after a bounded number that could not.
        if (drained || ++deferredExpiries > MAX_DEFERRED_EXPIRIES)
        {
            deferredExpiries = 0;
            work += registry.expireLeases();
        }
        work += registry.reapDue(nanoClock.nanoTime());
        registry.checkpoint();
        return work;
    }

    /**
     * One duty cycle for a caller that drives the conductor itself and never waits (tests, benchmarks): the
     * transport first looks, without blocking, at what its wait would have told it.
     */
    int pollAndDoWork()
    {
        lookAtSocket();
        return doWork();
    }

    /** Asks the transport, without blocking, what its wait would have told it. */
    private void lookAtSocket()
    {
        try
        {
            transport.awaitReadable(0);
        }
        catch (final IOException ex)
        {
            LOG.warn("poll failed: {}", ex.toString());
        }
    }

    /** How long an idle loop may wait: until the next lease or linger deadline, and never over MAX_IDLE_MS. */
    long idleMs()
    {
        final long untilNext = Math.min(registry.nanosToNextExpiry(),
            registry.nanosToNextReap(nanoClock.nanoTime()));
        if (untilNext >= TimeUnit.MILLISECONDS.toNanos(MAX_IDLE_MS))
        {
            return MAX_IDLE_MS;
        }
        return TimeUnit.NANOSECONDS.toMillis(untilNext) + 1; // rounded up: waking early would only spin
    }

    private void onProcessExit(final long sessionId)
    {
        final Session session = registry.processWatcher().exited(sessionId);
        if (null != session && !session.ended)
        {
            registry.endSession(session, EndCause.PROCESS_EXIT);
        }
    }

    private void onLiveness(final LivenessEvent event)
    {
        if (!event.session().ended)
        {
            registry.endSession(event.session(), event.cause());
        }
    }

    private int runTasks()
    {
        int work = 0;
        Runnable task;
        while (null != (task = inbox.pollTask()))
        {
            try
            {
                task.run();
            }
            catch (final RuntimeException ex)
            {
                LOG.error("task failed", ex);
            }
            work++;
        }
        return work;
    }

    /**
     * Asks the loop to stop reading after the duty cycle in hand and to hold still for a handover (see
     * {@link HandoverPause}). Safe from any thread.
     */
    void pauseForHandover(final HandoverPause pause)
    {
        pauseRequest = pause;
        transport.wakeup();
    }

    /** @return whether the loop ended by handing the socket to a successor (its files are the successor's now). */
    boolean handedOver()
    {
        return handedOver;
    }

    /** Asks the loop to finish the request in hand and stop. Safe from any thread, and twice. */
    void stop()
    {
        running = false;
        final HandoverPause pause = pauseRequest;
        if (null != pause)
        {
            pause.takeBack();
        }
        transport.wakeup();
    }

    boolean awaitStopped(final long timeoutMs) throws InterruptedException
    {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
