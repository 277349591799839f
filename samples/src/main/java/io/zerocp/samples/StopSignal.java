package io.zerocp.samples;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a sample's main loop finish its iteration and close its regions on Ctrl-C or SIGTERM (a JVM exiting with
 * regions still mapped is fine too: the daemon sees the process die and releases them, but closing says goodbye
 * at once and frees consumer entries and roles in the typed regions).
 */
public final class StopSignal
{
    private volatile boolean stopping;
    private final CountDownLatch finished = new CountDownLatch(1);

    public StopSignal()
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            stopping = true;
            try
            {
                finished.await(3, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "sample-stop"));
    }

    /** @return whether the loop should end (signal, or the deadline from {@code --seconds}). */
    public boolean stop(final long deadlineNs)
    {
        return stopping || System.nanoTime() - deadlineNs >= 0;
    }

    /** Call once everything is closed. */
    public void finished()
    {
        finished.countDown();
    }
}
