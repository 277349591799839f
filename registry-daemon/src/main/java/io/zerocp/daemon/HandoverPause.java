package io.zerocp.daemon;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One handover to a successor ({@code zerocpd --replace}) as the conductor and the handover thread share it. The
 * conductor, between duty cycles (every reply of the requests it took already sent, every change journaled), runs
 * {@link #holdConductor()}: it releases the instance locks, says it is paused and waits. The handover thread then
 * decides once: {@link #handOver()} (the successor confirmed: the conductor ends without touching the socket file,
 * the journal or the locks again) or {@link #takeBack()} (the successor failed or timed out: the conductor takes the
 * locks back, rewrites the journal as its own state and serves on). The first decision wins; a stop is a take-back.
 */
final class HandoverPause
{
    private static final int PAUSED = 0;
    private static final int HANDED_OVER = 1;
    private static final int TAKEN_BACK = 2;

    private final Runnable release;
    private final Runnable reclaim;
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch decided = new CountDownLatch(1);
    private final AtomicInteger state = new AtomicInteger(PAUSED);

    /**
     * @param release conductor thread, on pausing: lets go of the locks so the successor can take them.
     * @param reclaim conductor thread, on a take-back: takes the locks again (waiting for the successor to let go),
     *                rewrites the journal as this process's state, rebinds what the successor may have removed.
     */
    HandoverPause(final Runnable release, final Runnable reclaim)
    {
        this.release = release;
        this.reclaim = reclaim;
    }

    /** Conductor thread. @return true when the socket was handed over and the conductor must end. */
    boolean holdConductor() throws InterruptedException
    {
        release.run();
        paused.countDown();
        decided.await();
        if (state.get() == HANDED_OVER)
        {
            return true;
        }
        reclaim.run();
        return false;
    }

    /** Handover thread. @return whether the conductor paused (false: it is stopping, or did not within the time). */
    boolean awaitPaused(final long timeoutMs) throws InterruptedException
    {
        return paused.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** @return true when this call made the decision to hand over; the caller then tells the successor. */
    boolean decideHandOver()
    {
        return state.compareAndSet(PAUSED, HANDED_OVER);
    }

    /** Lets the conductor end, after the successor was told (see {@link #decideHandOver()}). */
    void handOver()
    {
        decided.countDown();
    }

    /** Resumes serving unless the socket was already handed over. Safe from any thread, and twice. */
    void takeBack()
    {
        if (state.compareAndSet(PAUSED, TAKEN_BACK))
        {
            decided.countDown();
        }
    }

    boolean handedOver()
    {
        return state.get() == HANDED_OVER;
    }
}
