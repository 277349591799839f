package io.zerocp.daemon;

import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns the registry. Each duty cycle answers the pending requests, applies liveness events
 * posted by the timer and watcher threads, and reaps lingering regions; with nothing to do it waits on the socket.
 */
final class Conductor implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);
    private static final int REQUEST_BURST = 64;
    private static final long MAX_IDLE_MS = 100;

    private final DatagramTransport transport;
    private final RequestHandler handler;
    private final Registry registry;
    private final DaemonCounters counters;
    private final NanoClock nanoClock;
    private final ManyToOneConcurrentLinkedQueue<LivenessEvent> events = new ManyToOneConcurrentLinkedQueue<>();
    private final ManyToOneConcurrentLinkedQueue<Runnable> tasks = new ManyToOneConcurrentLinkedQueue<>();
    private final ReplyBuffer reply = new ReplyBuffer();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Runnable onStop;
    private volatile boolean running = true;

    Conductor(
        final DatagramTransport transport,
        final RequestHandler handler,
        final Registry registry,
        final DaemonCounters counters,
        final NanoClock nanoClock,
        final Runnable onStop)
    {
        this.transport = transport;
        this.handler = handler;
        this.registry = registry;
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.onStop = onStop;
    }

    /** For {@link SteppedDaemon}: the handler this conductor answers with. */
    RequestHandler handler()
    {
        return handler;
    }

    /** Posts a liveness event from any thread and wakes the conductor. */
    void post(final LivenessEvent event)
    {
        events.offer(event);
        transport.wakeup();
    }

    /** Runs {@code task} on the conductor thread, between requests (e.g. a policy reload). Safe from any thread. */
    void submit(final Runnable task)
    {
        tasks.offer(task);
        transport.wakeup();
    }

    @Override
    public void run()
    {
        try
        {
            while (running)
            {
                if (doWork() == 0 && running)
                {
                    final long untilReap = registry.nanosToNextReap(nanoClock.nanoTime());
                    transport.awaitReadable(Math.min(MAX_IDLE_MS, TimeUnit.NANOSECONDS.toMillis(untilReap) + 1));
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
        for (int i = 0; i < REQUEST_BURST; i++)
        {
            final int length;
            try
            {
                length = transport.receive();
            }
            catch (final IOException ex)
            {
                // One bad receive (e.g. a datagram the kernel reports an error for) must not stop the daemon.
                LOG.warn("receive failed: {}", ex.toString());
                work++;
                break;
            }
            if (length < 0)
            {
                break;
            }
            work++;
            if (length == 0)
            {
                continue;
            }
            reply.clear();
            try
            {
                handler.onRequest(transport.requestBytes(), length, transport.senderKey(), reply);
            }
            catch (final RuntimeException ex)
            {
                // A bug must cost one request, never the daemon.
                LOG.error("request failed", ex);
                reply.clear().put(io.zerocp.api.ErrorReply.INTERNAL.bytes());
            }
            if (!transport.reply(reply))
            {
                counters.droppedReply();
            }
        }

        LivenessEvent event;
        while (null != (event = events.poll()))
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

        Runnable task;
        while (null != (task = tasks.poll()))
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

        work += registry.reapDue(nanoClock.nanoTime());
        registry.checkpoint();
        return work;
    }

    private void onLiveness(final LivenessEvent event)
    {
        final Session session = event.session();
        if (session.ended)
        {
            return;
        }
        if (event.cause() == EndCause.LEASE_EXPIRY && !registry.leases().isExpired(session))
        {
            registry.leases().rearm(session); // heard from since the timer was armed
            return;
        }
        registry.endSession(session, event.cause());
    }

    /** Asks the loop to finish the request in hand and stop. Safe from any thread, and twice. */
    void stop()
    {
        running = false;
        transport.wakeup();
    }

    boolean awaitStopped(final long timeoutMs) throws InterruptedException
    {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
