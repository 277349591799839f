package io.zerocp.daemon;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import static io.zerocp.daemon.Syscalls.CLOSE_IGNORING_ERRNO;
import static io.zerocp.daemon.Syscalls.EDQUOT;
import static io.zerocp.daemon.Syscalls.EEXIST;
import static io.zerocp.daemon.Syscalls.EINTR;
import static io.zerocp.daemon.Syscalls.ENOSPC;
import static io.zerocp.daemon.Syscalls.FCHMOD;
import static io.zerocp.daemon.Syscalls.OPEN;
import static io.zerocp.daemon.Syscalls.O_CLOEXEC;
import static io.zerocp.daemon.Syscalls.O_CREAT;
import static io.zerocp.daemon.Syscalls.O_EXCL;
import static io.zerocp.daemon.Syscalls.O_NOFOLLOW;
import static io.zerocp.daemon.Syscalls.O_RDWR;
import static io.zerocp.daemon.Syscalls.O_WRONLY;
import static io.zerocp.daemon.Syscalls.POSIX_FALLOCATE;

/**
 * Region files made with the kernel's calls (JDK 22+): {@code open(O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC)},
 * {@code fchmod}, and {@code posix_fallocate} on the descriptor, which reserves every page without a write per
 * page from Java (on tmpfs the kernel allocates them and gives them back itself when the space runs out). The group
 * and the file key go through {@code /proc/self/fd/N}, the kernel's name for the open file (as in
 * {@link OpenFiles}), never through the region's name. Reached by name from {@link FileReservation#best()}.
 */
final class NativeReservation implements FileReservation
{
    /** posix_fallocate interrupted by a signal is retried; a storm of signals gives up after this many. */
    private static final int MAX_INTERRUPTED = 1000;

    private NativeReservation()
    {
    }

    /** @return the native reservation, or {@code null} where the platform's layouts are not Syscalls' own. */
    static FileReservation openIfSupported()
    {
        return Syscalls.supported() ? new NativeReservation() : null;
    }

    @Override
    public Object create(
        final Path path, final long size, final Set<PosixFilePermission> mode, final GroupPrincipal group,
        final Runnable afterOpen) throws IOException
    {
        final int bits = FileModes.bits(mode);
        final int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, bits);
        try
        {
            afterOpen.run();
            // The umask may have narrowed the mode given to open: set it exactly, on the descriptor.
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment errno = Syscalls.newCaptureState(arena);
                if ((int)FCHMOD.invokeExact(errno, fd, bits) != 0)
                {
                    throw new IOException("fchmod " + path + ": " + Syscalls.describe(Syscalls.errno(errno)));
                }
            }
            final Path self = Paths.get("/proc/self/fd/" + fd);
            if (null != group)
            {
                Files.getFileAttributeView(self, PosixFileAttributeView.class).setGroup(group);
            }
            reserve(fd, 0, size, path);
            return Files.readAttributes(self, BasicFileAttributes.class).fileKey();
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IOException("cannot create " + path, t);
        }
        finally
        {
            close(fd);
        }
    }

    @Override
    public void complete(final Path path, final long size) throws IOException
    {
        final int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        try
        {
            reserve(fd, 0, size, path); // pages already there keep their bytes
        }
        finally
        {
            close(fd);
        }
    }

    @Override
    public String name()
    {
        return "posix_fallocate";
    }

    private static void reserve(final int fd, final long from, final long to, final Path path) throws IOException
    {
        for (int interrupted = 0; ; interrupted++)
        {
            final int rc;
            try
            {
                rc = (int)POSIX_FALLOCATE.invokeExact(fd, from, to - from);
            }
            catch (final Throwable t)
            {
                throw new IOException("posix_fallocate " + path, t);
            }
            if (rc == 0)
            {
                return;
            }
            if (rc == EINTR && interrupted < MAX_INTERRUPTED)
            {
                continue;
            }
            if (rc == ENOSPC || rc == EDQUOT)
            {
                throw new IOException("No space left on device: " + path); // RegionFiles maps this to No space
            }
            throw new IOException("posix_fallocate " + path + ": " + Syscalls.describe(rc));
        }
    }

    private static int open(final Path path, final int flags, final int mode) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            final MemorySegment cName = arena.allocate(name.length + 1L);
            MemorySegment.copy(name, 0, cName, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, name.length);
            final MemorySegment errno = Syscalls.newCaptureState(arena);
            final int fd = (int)OPEN.invokeExact(errno, cName, flags, mode);
            if (fd >= 0)
            {
                return fd;
            }
            final int e = Syscalls.errno(errno);
            if (e == EEXIST)
            {
                throw new FileAlreadyExistsException(path.toString());
            }
            if (e == ENOSPC || e == EDQUOT)
            {
                throw new IOException("No space left on device: " + path);
            }
            throw new IOException("open " + path + ": " + Syscalls.describe(e));
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IOException("open " + path, t);
        }
    }

    private static void close(final int fd)
    {
        try
        {
            final int ignored = (int)CLOSE_IGNORING_ERRNO.invokeExact(fd);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("close", t);
        }
    }
}
