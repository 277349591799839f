package io.zerocp.daemon;

import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The files the daemon trusts (its state directory, its lock files, its journal) are its own: owned by the uid it
 * runs as, writable by nobody else, and never reached through a link. A state directory that another user created
 * first (any user can make {@code /dev/shm/.zerocpd} before the daemon's first start), or a lock file planted as a
 * link to some other file, is refused at start with one line saying what to do, and nothing in it is touched.
 * <p>
 * Files are opened with {@code O_NOFOLLOW} ({@link LinkOption#NOFOLLOW_LINKS}) and then checked on the open
 * descriptor ({@link OpenFiles}: {@code /proc/self/fd/N}, which reaches the inode opened even on JDK 17, which has no
 * {@code fstat}): a regular file, of this uid, with one name (a hard link to another file of this uid, say one of
 * root's, would pass every other check), and no group or other write bit. Only then is anything written.
 * <p>
 * What stays a check-then-act on a name: a directory is examined with {@code lstat} and then {@code chmod}ed by name
 * (Java opens no directories). That is safe where its parent lets nobody else rename it away (a sticky directory
 * such as {@code /dev/shm} or {@code /tmp}, or one only root writes); the name is examined again afterwards and a
 * change is refused.
 * <p>
 * Stateless; used at start on the main thread and by the journal on the conductor.
 */
final class OwnFiles
{
    /** {@code rw-------}: every file the daemon makes for itself. */
    static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int GROUP_OR_OTHER_WRITE = 0022;

    private OwnFiles()
    {
    }

    /**
     * Creates {@code dir} (mode 0700) if it is missing, or checks the one there: a directory (not a link) of this uid
     * that neither group nor others may write. Then makes it 0700.
     *
     * @param what names it in the message ("state directory").
     * @throws UntrustedFileException when it is not such a directory.
     */
    static void privateDirectory(final String what, final Path dir) throws IOException
    {
        try
        {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        }
        catch (final FileAlreadyExistsException ex)
        {
            // there already: checked below like any other
        }
        final Map<String, Object> before = checkDirectory(what, dir);
        if (((Integer)before.get("mode") & 0777) != 0700)
        {
            Files.setPosixFilePermissions(dir, PRIVATE_DIRECTORY);
            final Map<String, Object> after = checkDirectory(what, dir);
            if (!before.get("ino").equals(after.get("ino")) || !before.get("dev").equals(after.get("dev")))
            {
                throw new UntrustedFileException(what + " " + dir + " was replaced while zerocpd checked it");
            }
        }
    }

    private static Map<String, Object> checkDirectory(final String what, final Path dir) throws IOException
    {
        final Map<String, Object> attributes =
            Files.readAttributes(dir, "unix:mode,uid,ino,dev", LinkOption.NOFOLLOW_LINKS);
        final int mode = (Integer)attributes.get("mode");
        final int uid = (Integer)attributes.get("uid");
        final int own = OpenFiles.ownUid();
        if ((mode & S_IFMT) != 0040000)
        {
            throw new UntrustedFileException(what + " " + dir + " is not a directory (" +
                (Files.isSymbolicLink(dir) ? "a symbolic link" : "mode " + octal(mode)) + "); remove it or choose " +
                "another --state-dir");
        }
        if (uid != own)
        {
            throw new UntrustedFileException(what + " " + dir + " belongs to uid " + uid + ", not to uid " + own +
                " that zerocpd runs as (another user may have created it first); zerocpd trusts nothing in it: " +
                "remove it, after looking at what it holds, or choose another --state-dir");
        }
        if (0 != (mode & GROUP_OR_OTHER_WRITE))
        {
            throw new UntrustedFileException(what + " " + dir + " is mode " + octal(mode) + ": other users may " +
                "have put files in it, and zerocpd trusts nothing in it; remove it, after looking at what it holds, " +
                "or chmod go-w it");
        }
        return attributes;
    }

    /**
     * Opens {@code file} for reading and writing without following a link, creating it (mode 0600) if
     * {@code create} and it is missing, and checks it on the descriptor (see the class comment).
     *
     * @return the open channel, or {@code null} when it is missing and not {@code create}.
     * @throws UntrustedFileException when it is a link or not the daemon's own private regular file.
     */
    static FileChannel open(final Path file, final boolean create) throws IOException
    {
        final Set<OpenOption> options = new HashSet<>(
            List.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        if (create)
        {
            options.add(StandardOpenOption.CREATE);
        }
        final FileAttribute<?>[] attributes = { PosixFilePermissions.asFileAttribute(PRIVATE_FILE) };
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(file, options, attributes);
        }
        catch (final NoSuchFileException ex)
        {
            if (create)
            {
                throw ex;
            }
            return null;
        }
        catch (final IOException ex)
        {
            if (Files.isSymbolicLink(file))
            {
                throw new UntrustedFileException(file + " is a symbolic link (to " + linkTarget(file) + "); " +
                    "zerocpd never follows one there: remove it");
            }
            throw ex;
        }
        try
        {
            check(channel, file);
            return channel;
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(channel);
            throw ex;
        }
    }

    /** The checks of {@link #open} on a channel opened elsewhere (without following a link). */
    static void check(final FileChannel channel, final Path file) throws IOException
    {
        final Map<String, Object> attributes =
            Files.readAttributes(OpenFiles.procPath(channel), "unix:mode,uid,nlink");
        final int mode = (Integer)attributes.get("mode");
        final int uid = (Integer)attributes.get("uid");
        final int links = (Integer)attributes.get("nlink");
        final int own = OpenFiles.ownUid();
        final String problem;
        if ((mode & S_IFMT) != S_IFREG)
        {
            problem = "is not a regular file";
        }
        else if (uid != own)
        {
            problem = "belongs to uid " + uid + ", not to uid " + own + " that zerocpd runs as";
        }
        else if (links != 1)
        {
            problem = "has " + links + " names (a hard link to another file)";
        }
        else if (0 != (mode & GROUP_OR_OTHER_WRITE))
        {
            problem = "is mode " + octal(mode) + ": others may write it";
        }
        else
        {
            return;
        }
        throw new UntrustedFileException(file + " " + problem + "; zerocpd trusts nothing it did not write itself: " +
            "remove it, after looking at it");
    }

    /**
     * Where the lock of the socket at {@code socket} lives: {@code <socket>.lock} beside it, unless group or others
     * may write the socket's directory (such as {@code /tmp}), where anyone could plant that file first; then in
     * {@code <socket's directory>/.zerocpd-locks-<uid>/}, a directory of this uid only (made here, and remembered in
     * {@code created}). Two daemons of one uid on one socket still meet on the same lock.
     */
    static Path socketLock(final Path socket, final StartupPaths created) throws IOException
    {
        final Path dir = socket.toAbsolutePath().getParent();
        final String name = socket.getFileName() + DaemonContext.LOCK_SUFFIX;
        final int mode = (Integer)Files.getAttribute(dir, "unix:mode");
        if (0 == (mode & GROUP_OR_OTHER_WRITE))
        {
            return dir.resolve(name);
        }
        final Path locks = dir.resolve(".zerocpd-locks-" + OpenFiles.ownUid());
        created.fileUnlessPresent(locks);
        privateDirectory("lock directory", locks);
        return locks.resolve(name);
    }

    private static String linkTarget(final Path link)
    {
        try
        {
            return Files.readSymbolicLink(link).toString();
        }
        catch (final IOException ex)
        {
            return "?";
        }
    }

    private static String octal(final int mode)
    {
        return String.format("%04o", mode & 07777);
    }

    /** A file the daemon would trust is not its own; the message says which and what to do. */
    static final class UntrustedFileException extends IOException
    {
        UntrustedFileException(final String message)
        {
            super(message);
        }
    }
}
