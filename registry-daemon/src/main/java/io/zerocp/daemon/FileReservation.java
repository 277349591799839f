package io.zerocp.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * How a region file is made and gets its pages, all on the descriptor once the file is open (see
 * {@link RegionFiles}). Two implementations: {@code NativeReservation} (JDK 22+, {@code open} and
 * {@code posix_fallocate} through the foreign-function API: the kernel reserves the pages without a write per page)
 * and {@link ZeroFillReservation} (JDK 17 and wherever the native one is unavailable: zeros written from Java).
 * Stateless apart from a buffer: one instance per thread that makes files.
 */
interface FileReservation
{
    /**
     * Creates {@code path} ({@code O_CREAT|O_EXCL|O_NOFOLLOW}), gives the descriptor exactly {@code mode} and
     * {@code group}, and reserves {@code size} bytes. The caller removes the file when this fails.
     *
     * @param afterOpen runs between creating the file and anything else done to it (tests race a rename there).
     * @return the file key (device and inode) of the file made.
     * @throws java.nio.file.FileAlreadyExistsException when anything is at {@code path}; an IOException whose
     *                                                   message says "No space left" when the filesystem is full.
     */
    Object create(Path path, long size, Set<PosixFilePermission> mode, GroupPrincipal group, Runnable afterOpen)
        throws IOException;

    /** Reserves {@code [current size, size)} of an existing file, opened without following a link, never created. */
    void complete(Path path, long size) throws IOException;

    /** @return how pages are reserved, for the start-up log: "posix_fallocate" or "zero-fill". */
    String name();

    /**
     * The best reservation here: the native one on JDK 22+ (reached by name, so JDK 17 never loads it), unless the
     * system property {@code zerocp.reservation=zero-fill} asks for the Java one.
     */
    static FileReservation best()
    {
        if (Runtime.version().feature() >= 22 && !"zero-fill".equals(System.getProperty("zerocp.reservation")))
        {
            try
            {
                final Object reservation = Class.forName("io.zerocp.daemon.NativeReservation")
                    .getDeclaredMethod("openIfSupported").invoke(null);
                if (null != reservation)
                {
                    return (FileReservation)reservation;
                }
            }
            catch (final ReflectiveOperationException | LinkageError ex)
            {
                // Built on a JDK before 22, or the C library lacks a symbol: zeros from Java.
            }
        }
        return new ZeroFillReservation();
    }
}
