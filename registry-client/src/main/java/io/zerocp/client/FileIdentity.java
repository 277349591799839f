package io.zerocp.client;

import org.newsclub.net.unix.FileDescriptorCast;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The identity (device and inode) of a region's file, so the client can tell a region it mapped from a later region
 * of the same name. {@code null} when it cannot be read, which callers treat as "unknown".
 */
final class FileIdentity
{
    private FileIdentity()
    {
    }

    /** Returned by {@link #now(Path)} when no file is at the path. */
    static final Object GONE = new Object();

    /**
     * @return the identity of the file at {@code path} now, {@link #GONE} when there is none, or null when it cannot
     * be read (permissions, I/O): unknown, never taken for a change.
     */
    static Object now(final Path path)
    {
        try
        {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        }
        catch (final java.nio.file.NoSuchFileException ex)
        {
            return GONE;
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    static Object of(final Path path)
    {
        try
        {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /** Reads it through {@code /proc/self/fd}, which works for unlinked files and files this user may not open. */
    static Object of(final FileDescriptor fd)
    {
        try
        {
            final int number = FileDescriptorCast.using(fd).as(Integer.class);
            return Files.readAttributes(Paths.get("/proc/self/fd/" + number), BasicFileAttributes.class).fileKey();
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /** @return the uid owning {@code path} itself (not a link's target), or -1 when it cannot be read. */
    static int ownerUid(final Path path)
    {
        try
        {
            return (Integer)Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /** @return the uid owning the file behind descriptor number {@code fd}, or -1 when it cannot be read. */
    static int ownerUid(final int fd)
    {
        try
        {
            return (Integer)Files.getAttribute(Paths.get("/proc/self/fd/" + fd), "unix:uid");
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }
}
