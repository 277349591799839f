package io.zerocp.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The JDK 17 way to make a region file: {@link FileChannel#open} with {@code CREATE_NEW} and {@code NOFOLLOW_LINKS},
 * mode, group and identity through the descriptor ({@link OpenFiles}), and every page written once with zeros
 * ({@link ZeroFill}): on tmpfs a page is allocated when first written, so ENOSPC comes now or never.
 */
final class ZeroFillReservation implements FileReservation
{
    private static final Set<OpenOption> CREATE_OPTIONS = Set.of(
        StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final int ZERO_CHUNK = 1 << 20;

    private final ZeroFill zeros = new ZeroFill(ZERO_CHUNK);

    @Override
    public Object create(
        final Path path, final long size, final Set<PosixFilePermission> mode, final GroupPrincipal group,
        final Runnable afterOpen) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, CREATE_OPTIONS, PosixFilePermissions.asFileAttribute(mode)))
        {
            afterOpen.run();
            // The umask may have narrowed the mode given at creation; set it exactly, on the descriptor: the name
            // may already be someone else's link.
            OpenFiles.setMode(channel, mode);
            if (null != group)
            {
                OpenFiles.setGroup(channel, group);
            }
            zeros.fill(channel, 0, size);
            return OpenFiles.attributes(channel).fileKey();
        }
    }

    @Override
    public void complete(final Path path, final long size) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))
        {
            zeros.fill(channel, channel.size(), size);
        }
    }

    @Override
    public String name()
    {
        return "zero-fill";
    }
}
