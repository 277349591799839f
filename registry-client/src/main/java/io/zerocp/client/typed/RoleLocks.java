package io.zerocp.client.typed;

import io.zerocp.client.RegistryException;
import io.zerocp.client.SharedRegion;
import io.zerocp.client.TypedRegionFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;

/**
 * Who holds a typed-region role or claim, decided by the kernel: each role (producer, consumer, transmitter, an
 * initialization in progress, frame-pool consumer entry {@code i}) is one byte of the region's file at
 * {@code 2^62 + slot}, far past any data (record locks may lie past the end of a file), and its holder keeps an
 * exclusive {@code fcntl} record lock on that byte for as long as it holds the role.
 * <p>
 * <b>Why kernel locks.</b> The kernel drops a process's record locks when it dies, however it dies, and a lock taken
 * in one pid namespace conflicts with a probe from any other namespace that shares the file (two containers sharing
 * {@code /dev/shm}, {@code unshare --pid}): there is no pid to translate, no heartbeat to miss while stopped, no
 * daemon round trip. A prober asks "is this role held?" by trying the lock: it gets it only if nobody holds it. The
 * role words in shared memory (identities) are labels for messages and monitoring; they never decide liveness.
 * C and Python clients take the same bytes with {@code fcntl(F_OFD_SETLK)} or {@code F_SETLK} (the two kinds
 * conflict with each other), exclusive ({@code F_WRLCK}), {@code l_len = 1}.
 * <p>
 * <b>The POSIX trap, and how this class avoids it.</b> Java's {@code FileChannel.tryLock} takes process-associated
 * locks ({@code F_SETLK}), and closing <em>any</em> descriptor of the file in the process drops <em>all</em> the
 * process's locks on it. So a typed mapping is never closed (its descriptor never closed) while another typed
 * mapping of the same region in this process holds a lock: its close is deferred until the last lock of the region
 * in this process is released ({@link TypedRegionFiles#close}, which the client's own refusals use too). Within one JVM, the JDK's own lock table reports a range this JVM holds as
 * {@link OverlappingFileLockException}, which is read as "held by this process". What this class cannot see, and
 * the docs say not to do: closing another descriptor of a typed region's file in a process that holds one of its
 * roles (a raw {@code acquire} of the same region, closed; a daemon embedded in the same JVM).
 * <p>
 * Thread-safe.
 */
final class RoleLocks
{
    /** Byte offset of slot 0. */
    static final long BASE = 1L << 62;
    static final int WRITER = 0;
    static final int READER = 1;
    static final int INITIALIZER = 2;
    /** Frame-pool consumer entry {@code i} is slot {@code CONSUMERS + i}. */
    static final int CONSUMERS = 16;

    /** A slot's holder as a probe sees it. */
    enum Holder
    {
        NONE, THIS_PROCESS, OTHER_PROCESS
    }

    private final String name;
    private final FileChannel channel;

    private RoleLocks(final String name, final FileChannel channel)
    {
        this.name = name;
        this.channel = channel;
    }

    /** @return the role locks of one typed mapping of {@code region}, taken through {@code channel}. */
    static RoleLocks open(final SharedRegion region, final FileChannel channel)
    {
        return new RoleLocks(region.name(), channel);
    }

    /**
     * Takes slot {@code slot} if nobody holds it.
     *
     * @return the lock, or {@code null} when another process or this one holds it.
     * @throws RegistryException when the file system refuses record locks (see docs/operations.md).
     */
    FileLock tryTake(final int slot)
    {
        final FileLock lock;
        try
        {
            lock = channel.tryLock(BASE + slot, 1, false);
        }
        catch (final OverlappingFileLockException ex)
        {
            return null;
        }
        catch (final IOException ex)
        {
            throw new RegistryException("cannot take a kernel record lock on region " + name + "'s file (" +
                ex.getMessage() + "): typed regions need fcntl record locks on the region's file system to know " +
                "which processes hold their roles (see docs/operations.md)", ex);
        }
        if (null != lock)
        {
            TypedRegionFiles.lockTaken(name);
        }
        return lock;
    }

    /** @return who holds {@code slot} right now (a probe: takes the lock and gives it back when free). */
    Holder holder(final int slot)
    {
        final FileLock lock;
        try
        {
            lock = channel.tryLock(BASE + slot, 1, false);
        }
        catch (final OverlappingFileLockException ex)
        {
            return Holder.THIS_PROCESS;
        }
        catch (final IOException ex)
        {
            throw new RegistryException("cannot probe a kernel record lock on region " + name + "'s file (" +
                ex.getMessage() + "): typed regions need fcntl record locks (see docs/operations.md)", ex);
        }
        if (null == lock)
        {
            return Holder.OTHER_PROCESS;
        }
        unlock(lock);
        return Holder.NONE;
    }

    /** Gives a lock from {@link #tryTake} back; closes the regions that waited for it. Safe with {@code null}. */
    void release(final FileLock lock)
    {
        if (null == lock || !lock.isValid())
        {
            return;
        }
        unlock(lock);
        TypedRegionFiles.lockReleased(name);
    }

    /**
     * One typed mapping of the region is done: its region (and descriptor) is closed now, or, when a typed mapping of
     * the same region in this process still holds a lock, as soon as the last such lock is released.
     */
    void close(final SharedRegion region)
    {
        TypedRegionFiles.close(region);
    }

    private static void unlock(final FileLock lock)
    {
        try
        {
            lock.release();
        }
        catch (final IOException ex)
        {
            // The channel is open (closes wait for the locks): nothing to do but let the process exit drop it.
        }
    }
}
