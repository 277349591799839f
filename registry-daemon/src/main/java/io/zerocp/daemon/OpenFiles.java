package io.zerocp.daemon;

import org.agrona.UnsafeApi;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Operations on a file the daemon has open, through its descriptor rather than its name, so that nobody who can
 * rename files in the shm directory can point them at another file.
 * <p>
 * JDK 17 has no {@code fchmod}, {@code fchown} or {@code fstat}. {@code /proc/self/fd/N} is the kernel's name for the
 * open file itself: a {@code chmod}, {@code chown} or {@code stat} through it reaches the inode that descriptor N
 * has open, even after its name was renamed away and a symbolic link put in its place (checked here, JDK 17 and 25:
 * the mode went to the renamed file, the link's target kept its own). The descriptor's number is read from the
 * {@link FileChannel} with Agrona's {@code UnsafeApi} (the daemon already runs with
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} for Agrona).
 */
final class OpenFiles
{
    private static final long CHANNEL_FD_OFFSET;
    private static final long DESCRIPTOR_FD_OFFSET;

    static
    {
        try
        {
            CHANNEL_FD_OFFSET = UnsafeApi.objectFieldOffset(Class.forName("sun.nio.ch.FileChannelImpl"), "fd");
            DESCRIPTOR_FD_OFFSET = UnsafeApi.objectFieldOffset(FileDescriptor.class, "fd");
        }
        catch (final ClassNotFoundException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private OpenFiles()
    {
    }

    /** @return the descriptor of a channel from {@link FileChannel#open}. */
    static FileDescriptor descriptor(final FileChannel channel) throws IOException
    {
        if (!"sun.nio.ch.FileChannelImpl".equals(channel.getClass().getName()))
        {
            throw new IOException("not a file channel of the JDK: " + channel.getClass());
        }
        final FileDescriptor fd = (FileDescriptor)UnsafeApi.getReference(channel, CHANNEL_FD_OFFSET);
        if (null == fd || !fd.valid())
        {
            throw new IOException("the channel has no valid descriptor");
        }
        return fd;
    }

    /** @return {@code /proc/self/fd/N} for the channel's descriptor. */
    static Path procPath(final FileChannel channel) throws IOException
    {
        final int number = UnsafeApi.getInt(descriptor(channel), DESCRIPTOR_FD_OFFSET);
        if (number < 0)
        {
            throw new IOException("the channel is closed");
        }
        return Paths.get("/proc/self/fd/" + number);
    }

    /** {@code fchmod}. */
    static void setMode(final FileChannel channel, final Set<PosixFilePermission> mode) throws IOException
    {
        Files.setPosixFilePermissions(procPath(channel), mode);
    }

    /** {@code fchown} of the group. */
    static void setGroup(final FileChannel channel, final GroupPrincipal group) throws IOException
    {
        Files.getFileAttributeView(procPath(channel), PosixFileAttributeView.class).setGroup(group);
    }

    /** {@code fstat}. */
    static BasicFileAttributes attributes(final FileChannel channel) throws IOException
    {
        return Files.readAttributes(procPath(channel), BasicFileAttributes.class);
    }

    /** @return the uid owning the open file. */
    static int ownerUid(final FileChannel channel) throws IOException
    {
        return (Integer)Files.getAttribute(procPath(channel), "unix:uid");
    }

    /**
     * @return whether {@code ex} is {@code EMFILE} or {@code ENFILE}: the process (or the system) has no descriptor
     *         left, which says nothing about the file that was asked for.
     */
    static boolean isOutOfDescriptors(final Throwable ex)
    {
        for (Throwable t = ex; null != t; t = t.getCause())
        {
            final String text = t instanceof java.nio.file.FileSystemException ?
                ((java.nio.file.FileSystemException)t).getReason() : t.getMessage();
            // The JDK's text (strerror), or the native calls' errno name (Syscalls.describe)
            if (null != text && (text.contains("Too many open files") || text.endsWith(": EMFILE") ||
                text.endsWith(": ENFILE")))
            {
                return true;
            }
        }
        return false;
    }

    /** @return the uid this process runs as. */
    static int ownUid() throws IOException
    {
        return (Integer)Files.getAttribute(Paths.get("/proc/self"), "unix:uid");
    }
}
