package io.zerocp.daemon;

import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The two instance locks a serving daemon holds: one on its socket, one on its state directory (the journal's
 * owner). A handover lets go of them while the successor starts and takes them again if the successor fails.
 */
final class DaemonLocks implements AutoCloseable
{
    private final Path socketLock;
    private final String socketWhat;
    private final Path stateLock;
    private final String stateWhat;
    private InstanceLock socket;
    private InstanceLock state;

    private DaemonLocks(final Path socketLock, final String socketWhat, final Path stateLock, final String stateWhat)
    {
        this.socketLock = socketLock;
        this.socketWhat = socketWhat;
        this.stateLock = stateLock;
        this.stateWhat = stateWhat;
    }

    static DaemonLocks acquire(final Path socketLock, final String socketWhat, final Path stateLock,
        final String stateWhat) throws IOException, InstanceLock.AlreadyRunningException
    {
        final DaemonLocks locks = new DaemonLocks(socketLock, socketWhat, stateLock, stateWhat);
        locks.take();
        return locks;
    }

    /** As {@link #acquire}, waiting up to {@code timeoutMs} for a predecessor to let go ({@code --replace}). */
    static DaemonLocks acquireWithin(final Path socketLock, final String socketWhat, final Path stateLock,
        final String stateWhat, final long timeoutMs) throws IOException, InstanceLock.AlreadyRunningException
    {
        final DaemonLocks locks = new DaemonLocks(socketLock, socketWhat, stateLock, stateWhat);
        locks.takeWithin(timeoutMs);
        return locks;
    }

    /** Takes both locks, or neither. */
    void take() throws IOException, InstanceLock.AlreadyRunningException
    {
        socket = InstanceLock.acquire(socketLock, socketWhat);
        try
        {
            state = InstanceLock.acquire(stateLock, stateWhat);
        }
        catch (final IOException | InstanceLock.AlreadyRunningException | RuntimeException ex)
        {
            release();
            throw ex;
        }
    }

    /**
     * Takes both locks, trying again every few milliseconds while another process holds them (a predecessor
     * about to let go, or a failed successor still cleaning up), for at most {@code timeoutMs}.
     */
    void takeWithin(final long timeoutMs) throws IOException, InstanceLock.AlreadyRunningException
    {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true)
        {
            try
            {
                take();
                return;
            }
            catch (final InstanceLock.AlreadyRunningException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw ex;
                }
                try
                {
                    Thread.sleep(2);
                }
                catch (final InterruptedException ie)
                {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
            }
        }
    }

    /** Lets go of both locks (the files stay). Safe twice. */
    void release()
    {
        CloseHelper.quietCloseAll(state, socket);
        state = null;
        socket = null;
    }

    @Override
    public void close()
    {
        release();
    }
}
