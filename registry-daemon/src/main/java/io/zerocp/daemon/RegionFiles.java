package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Creates, checks and unlinks region files, never following a link and never leaving a sparse file behind. After a
 * file is opened (by name, with {@code O_NOFOLLOW}, and {@code O_EXCL} when created), everything else is done through
 * the descriptor ({@link OpenFiles}): a name swapped for a link meanwhile, in a directory others can write, can only
 * make the operation fail, never reach another file.
 * <p>
 * tmpfs files are sparse: a file extended with {@code ftruncate} maps fine on a full tmpfs and then SIGBUSes the
 * first process that touches a page. JDK 17's {@code FileChannel.map} extends with {@code ftruncate} too (measured:
 * no blocks allocated). So every page is reserved before anyone has the file ({@link FileReservation}:
 * {@code posix_fallocate} on JDK 22+, zeros written from Java on 17): ENOSPC comes then, while nobody has the file
 * mapped, and the partial file is removed. Creation runs off the conductor ({@link FileWorker}).
 */
final class RegionFiles
{
    private final FileReservation reservation;
    private final Runnable afterOpen;

    RegionFiles()
    {
        this(() -> {});
    }

    /** @param afterOpen runs between creating a file and anything else done to it (tests race a rename there). */
    RegionFiles(final Runnable afterOpen)
    {
        this(FileReservation.best(), afterOpen);
    }

    RegionFiles(final FileReservation reservation, final Runnable afterOpen)
    {
        this.reservation = reservation;
        this.afterOpen = afterOpen;
    }

    /**
     * Takes over a file this daemon's user already has at {@code path} for a static region: opened without following
     * a link, checked (regular, {@code size} bytes, owned by this user) and given {@code mode}, all on its descriptor.
     *
     * @return its file key (device and inode).
     * @throws RegionException NAME_IN_USE when it is not such a file.
     */
    Object adopt(final Path path, final long size, final Set<PosixFilePermission> mode) throws RegionException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS))
        {
            final BasicFileAttributes attributes = OpenFiles.attributes(channel);
            if (!attributes.isRegularFile() || attributes.size() != size)
            {
                throw new RegionException(ErrorReply.NAME_IN_USE, path + " changed while it was being adopted");
            }
            // Only a file of the daemon's own user: one planted by someone else would stay theirs to read, write
            // and truncate under every client.
            if (OpenFiles.ownerUid(channel) != OpenFiles.ownUid())
            {
                throw new RegionException(ErrorReply.NAME_IN_USE, path + " belongs to another user; remove it or " +
                    "choose another shm-dir");
            }
            OpenFiles.setMode(channel, mode);
            return attributes.fileKey();
        }
        catch (final IOException ex)
        {
            throw new RegionException(ErrorReply.NAME_IN_USE, "cannot adopt " + path + ": " + ex.getMessage());
        }
    }

    /**
     * Creates {@code path} at full size with {@code mode}, optionally changing its group.
     *
     * @throws RegionException NAME_IN_USE when a file (or link) is in the way, NO_SPACE when tmpfs is full,
     *                         TOO_MANY_OPEN_FILES when the daemon has no descriptor left, INTERNAL for other I/O
     *                         failures.
     */
    Object create(final Path path, final long size, final Set<PosixFilePermission> mode, final GroupPrincipal group)
        throws RegionException
    {
        try
        {
            return reservation.create(path, size, mode, group, afterOpen);
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new RegionException(ErrorReply.NAME_IN_USE, "a file is already at " + path);
        }
        catch (final IOException ex)
        {
            deleteQuietly(path);
            if (isNoSpace(ex))
            {
                throw new RegionException(ErrorReply.NO_SPACE, "no space for " + size + " bytes at " + path);
            }
            if (OpenFiles.isOutOfDescriptors(ex))
            {
                throw new RegionException(ErrorReply.TOO_MANY_OPEN_FILES, "out of descriptors creating " + path);
            }
            throw new RegionException(ErrorReply.INTERNAL, "cannot create " + path + ": " + ex);
        }
    }

    /**
     * Fills a region file this daemon created but did not finish (a crash mid-create) up to {@code size},
     * keeping the bytes it has. Never follows a link, never creates a file.
     */
    void complete(final Path path, final long size) throws IOException
    {
        reservation.complete(path, size);
    }

    /** @return how this instance reserves pages ("posix_fallocate" or "zero-fill"). */
    String reservationName()
    {
        return reservation.name();
    }

    /**
     * @return why {@code dir} lets other users swap region files (group or others may write it and it has no sticky
     * bit), or {@code null} when it does not.
     */
    static String othersCanRename(final Path dir)
    {
        try
        {
            final int mode = (Integer)Files.getAttribute(dir, "unix:mode");
            final boolean sticky = 0 != (mode & 01000);
            final boolean othersWrite = 0 != (mode & 0022);
            return othersWrite && !sticky ? String.format("it is mode %04o: others may write it and it has no " +
                "sticky bit", mode & 07777) : null;
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /** @return the file key (device and inode) of what is at {@code path}, not following a link; null if none. */
    static Object fileKey(final Path path)
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

    /**
     * @return the size of the regular file at {@code path}, or -1 when there is none or it is a link or not regular.
     */
    static long regularFileSize(final Path path)
    {
        try
        {
            final BasicFileAttributes attributes =
                Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() ? attributes.size() : -1;
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    /** @return whether the file (not a link's target) belongs to the user this process runs as. */
    static boolean isOwnedByThisProcess(final Path path)
    {
        try
        {
            final Object fileUid = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            final Object ownUid = Files.getAttribute(Paths.get("/proc/self"), "unix:uid");
            return fileUid.equals(ownUid);
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return false;
        }
    }

    /**
     * Unlinks a region file. Existing mappings stay valid; the memory goes when the last one is unmapped.
     *
     * @return whether a file was removed.
     */
    static boolean unlink(final Path path) throws IOException
    {
        try
        {
            Files.delete(path); // unlink(2) removes a link itself, never its target
            return true;
        }
        catch (final NoSuchFileException ex)
        {
            return false;
        }
    }

    private static boolean isNoSpace(final IOException ex)
    {
        final String message = ex.getMessage();
        return null != message && (message.contains("No space left") || message.contains("Disk quota exceeded"));
    }

    private static void deleteQuietly(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ignore)
        {
            // Nothing more can be done; the create already failed and says so.
        }
    }
}
