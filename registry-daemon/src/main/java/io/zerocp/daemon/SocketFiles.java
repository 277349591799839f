package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The socket files the daemon binds, shared by both transports and the handover: where the side socket for replies
 * with a descriptor lives, and the removal of a stale socket file left by a daemon that is gone.
 */
final class SocketFiles
{
    private static final Logger LOG = LoggerFactory.getLogger(SocketFiles.class);

    /** Suffix of the bound side socket that sends replies carrying a descriptor. */
    static final String DESCRIPTOR_SOCKET_SUFFIX = ".fd";

    private SocketFiles()
    {
    }

    /** @return the side socket of the daemon socket {@code socketPath}: {@code <socket>.fd} beside it. */
    static Path descriptorSocket(final Path socketPath)
    {
        return socketPath.resolveSibling(socketPath.getFileName() + DESCRIPTOR_SOCKET_SUFFIX);
    }

    /**
     * Removes a socket file nobody serves any more (the caller holds the instance lock, so no live daemon owns it).
     *
     * @throws IOException when something other than a socket is there: it is never replaced.
     */
    static void removeStale(final Path socketPath) throws IOException
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            return;
        }
        if (!attributes.isOther())
        {
            throw new IOException(socketPath + " exists and is not a socket; refusing to replace it");
        }
        Files.delete(socketPath);
        LOG.info("replaced stale socket file {}", socketPath);
    }
}
