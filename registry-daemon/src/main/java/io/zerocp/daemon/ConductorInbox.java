package io.zerocp.daemon;

import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * What other threads hand the conductor: liveness events from the process watcher and tasks such as a policy
 * reload. Made with the {@link DaemonContext}, before any thread that posts to it, so nobody needs a reference to a
 * conductor that does not exist yet. The conductor attaches its wake-up when it is built ({@link #wakeWith}); until
 * then a post just waits in the queue, and the first duty cycle takes it.
 */
final class ConductorInbox
{
    private static final Runnable NO_WAKEUP = () -> {};

    private final ManyToOneConcurrentLinkedQueue<LivenessEvent> events = new ManyToOneConcurrentLinkedQueue<>();
    private final ManyToOneConcurrentLinkedQueue<Runnable> tasks = new ManyToOneConcurrentLinkedQueue<>();
    private volatile Runnable wakeup = NO_WAKEUP;

    /** Posts a liveness event from any thread and wakes the conductor. */
    void post(final LivenessEvent event)
    {
        events.offer(event);
        wakeup.run();
    }

    /** Queues {@code task} to run on the conductor thread between requests. Safe from any thread. */
    void submit(final Runnable task)
    {
        tasks.offer(task);
        wakeup.run();
    }

    /** Called once by the conductor being built: how to interrupt its idle wait. */
    void wakeWith(final Runnable wakeup)
    {
        this.wakeup = wakeup;
    }

    /** @return the next event, or {@code null}; conductor thread only. */
    LivenessEvent pollEvent()
    {
        return events.poll();
    }

    /** @return the next task, or {@code null}; conductor thread only. */
    Runnable pollTask()
    {
        return tasks.poll();
    }
}
