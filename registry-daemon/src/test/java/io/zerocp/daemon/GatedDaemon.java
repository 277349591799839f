package io.zerocp.daemon;

import io.zerocp.testkit.TestDirs;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real zerocpd on a real socket and shm directory whose file worker a test can hold in the middle of a creation
 * (after the region's file is created, before its pages are reserved), for as long as it wants: a slow reservation
 * on demand, so a request that must arrive "while a region is being made" always does.
 */
final class GatedDaemon implements AutoCloseable
{
    private final TestDirs dirs = new TestDirs();
    private final Semaphore entered = new Semaphore(0);
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final Daemon daemon;

    /** @param json the configuration (its socket and shm directory are fresh ones). */
    GatedDaemon(final String json) throws Exception
    {
        final DaemonConfig config = ConfigLoader.parse(json, new ConfigLoader.Overrides(dirs.socket(), dirs.shmDir(),
            null, null, null, null, null, null));
        Daemon started = null;
        try
        {
            started = Daemon.start(new DaemonContext(config).afterRegionFileOpen(this::pass));
        }
        finally
        {
            if (null == started)
            {
                dirs.close();
            }
        }
        daemon = started;
    }

    /** On the file worker: waits while the gate is shut. */
    private void pass()
    {
        final CountDownLatch shut = gate;
        if (shut.getCount() > 0)
        {
            entered.release();
            try
            {
                shut.await(120, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** From now on, the next creation stops mid-way until {@link #open()}. */
    void shut()
    {
        gate = new CountDownLatch(1);
    }

    /** Waits until a creation has stopped at the shut gate. */
    void awaitHeld()
    {
        try
        {
            assertTrue(entered.tryAcquire(60, TimeUnit.SECONDS), "no creation reached the file worker");
        }
        catch (final InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Lets the held creation, and every one after it, go on. */
    void open()
    {
        gate.countDown();
    }

    Path socket()
    {
        return dirs.socket();
    }

    Path regionFile(final String name)
    {
        return dirs.shmDir().resolve(name + "_shm");
    }

    @Override
    public void close()
    {
        open();
        daemon.close();
        dirs.close();
    }
}
