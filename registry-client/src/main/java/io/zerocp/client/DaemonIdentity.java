package io.zerocp.client;

import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Who counts as zerocpd: datagrams from its socket paths ({@code <socket>} and the descriptor side socket
 * {@code <socket>.fd}; anyone on the host can send to a client's abstract address, but only the daemon can send
 * from its paths), and, when the daemon's uid is configured, only while the socket file belongs to that uid.
 */
final class DaemonIdentity
{
    private final Path socket;
    private final Path descriptorSocket;
    private final int configuredUid;

    DaemonIdentity(final Path socket, final int configuredUid)
    {
        this.socket = socket;
        this.descriptorSocket = socket.resolveSibling(socket.getFileName() + ".fd");
        this.configuredUid = configuredUid;
    }

    boolean sentBy(final AFUNIXSocketAddress from)
    {
        if (null == from || from.isInAbstractNamespace())
        {
            return false;
        }
        final Path path = Paths.get(from.getPath());
        return path.equals(socket) || path.equals(descriptorSocket) || sameFile(path, socket) ||
            sameFile(path, descriptorSocket);
    }

    /** The same socket file under another spelling (a symlinked directory, say). */
    private static boolean sameFile(final Path a, final Path b)
    {
        try
        {
            return Files.isSameFile(a, b);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** @return the uid zerocpd runs as: the configured one, else the current owner of its socket file. */
    int uid()
    {
        if (ClientSettings.SOCKET_OWNER != configuredUid)
        {
            return configuredUid;
        }
        final int owner = FileIdentity.ownerUid(socket);
        if (owner < 0)
        {
            throw new RegistryException(null, "cannot read the owner of zerocpd's socket " + socket);
        }
        return owner;
    }

    /** A reply came from the daemon's path: refuse it when the socket file there belongs to another user. */
    void checkSocketOwner()
    {
        if (ClientSettings.SOCKET_OWNER == configuredUid)
        {
            return;
        }
        final int owner = FileIdentity.ownerUid(socket);
        if (owner != configuredUid)
        {
            throw new RegistryException(null, "the socket " + socket + " is owned by uid " + owner +
                ", not by zerocpd's uid " + configuredUid + ": refusing its replies (another process may " +
                "have bound the daemon's path)");
        }
    }

}
