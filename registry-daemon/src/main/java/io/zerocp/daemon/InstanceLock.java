package io.zerocp.daemon;

import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An exclusive {@code flock}-style lock on a file that holds the owner's pid. The kernel drops the lock when its
 * process dies, however it dies, so a lock left by a crashed daemon is simply taken over. The file itself stays
 * after the owner stops (see {@link #close()}); only the lock on it counts. It is opened as {@link OwnFiles} opens
 * the daemon's own files: never through a link, and refused unless it is a private regular file of this uid.
 */
final class InstanceLock implements AutoCloseable
{
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(final Path path, final FileChannel channel, final FileLock lock)
    {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * @param what what the lock guards, for the message when it is taken ("socket /tmp/x.sock").
     * @throws AlreadyRunningException when another live process holds it.
     */
    static InstanceLock acquire(final Path path, final String what) throws IOException, AlreadyRunningException
    {
        // Never through a link, and only a private file of this uid (checked on the descriptor before the pid is
        // written): a lock planted as a link to another file would otherwise have that file truncated.
        final FileChannel channel = OwnFiles.open(path, true);
        final FileLock lock;
        try
        {
            lock = channel.tryLock();
        }
        catch (final IOException | OverlappingFileLockException ex)
        {
            CloseHelper.quietClose(channel);
            throw new AlreadyRunningException(what + " is in use by this process already (lock " + path + ")");
        }
        if (null == lock)
        {
            final String owner = readOwner(channel);
            CloseHelper.quietClose(channel);
            throw new AlreadyRunningException("another zerocpd (pid " + owner + ") is serving " + what +
                "; it holds the lock " + path);
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new InstanceLock(path, channel, lock);
    }

    private static String readOwner(final FileChannel channel)
    {
        try
        {
            final ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            final String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? "unknown" : text;
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    /**
     * Releases the lock and leaves the file in place. Deleting it would race: a second starter that opened the old
     * file just before the unlink would lock it once released, while a third creates and locks a new file at the
     * same path, and both would run. A leftover file is harmless; the lock lives on the open file, not on the name.
     */
    @Override
    public void close()
    {
        if (channel.isOpen())
        {
            CloseHelper.quietClose(lock);
            CloseHelper.quietClose(channel);
        }
    }

    /** Another daemon holds the lock. */
    static final class AlreadyRunningException extends Exception
    {
        AlreadyRunningException(final String message)
        {
            super(message, null, false, false);
        }
    }
}
