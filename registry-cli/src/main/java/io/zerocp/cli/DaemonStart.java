package io.zerocp.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

/**
 * Whether a daemon is on its way when its socket file is not there yet: {@code bin/zerocpd & bin/zerocp ping} must
 * wait for the socket, while a plain {@code bin/zerocp ping} with no daemon must fail at once.
 */
final class DaemonStart
{
    private static final long POLL_NS = 20_000_000L;

    private DaemonStart()
    {
    }

    /**
     * @return true when the launcher said a {@code bin/zerocpd} of this tree is starting or running
     * ({@code -Dzerocp.daemon.starting=true}), or when a process holds the daemon's instance lock
     * ({@code <socket>.lock}, taken before it binds).
     */
    static boolean underWay(final Path socket)
    {
        return Boolean.getBoolean("zerocp.daemon.starting") ||
            lockedByAnother(socket.resolveSibling(socket.getFileName() + ".lock"));
    }

    /** @return whether the socket file appeared within {@code timeoutNs}. */
    static boolean awaitSocket(final Path socket, final long timeoutNs)
    {
        final long deadline = System.nanoTime() + timeoutNs;
        while (!Files.exists(socket))
        {
            if (System.nanoTime() - deadline >= 0)
            {
                return false;
            }
            LockSupport.parkNanos(POLL_NS);
        }
        return true;
    }

    private static boolean lockedByAnother(final Path lockFile)
    {
        if (!Files.isRegularFile(lockFile))
        {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.READ))
        {
            // A shared probe: it fails exactly when the daemon holds its exclusive lock, and never blocks it.
            final FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (null == probe)
            {
                return true;
            }
            probe.release();
            return false;
        }
        catch (final OverlappingFileLockException ex)
        {
            return true; // this very JVM runs the daemon (tests)
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
