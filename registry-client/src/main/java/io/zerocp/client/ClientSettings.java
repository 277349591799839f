package io.zerocp.client;

import java.nio.file.Path;

/**
 * A {@link RegistryClient}'s settings, copied from its {@link RegistryClient.Builder} at {@code build()}: changing
 * the builder afterwards (tests reuse builders) never changes a running client.
 */
final class ClientSettings
{
    /** The daemon uid is not configured: trust the owner of the daemon's socket file. */
    static final int SOCKET_OWNER = -1;

    final Path socketPath;
    final Path bindPath;
    final long timeoutNs;
    final int retries;
    final boolean register;
    final String token;
    final TransferMode transferMode;
    final Path shmDirectory;
    final int daemonUid;
    /** Told when a region is lost; null: the loss is only logged (and visible through SharedRegion.isValid). */
    final RegionLostHandler regionLostHandler;

    ClientSettings(
        final Path socketPath,
        final Path bindPath,
        final long timeoutNs,
        final int retries,
        final boolean register,
        final String token,
        final TransferMode transferMode,
        final Path shmDirectory,
        final int daemonUid)
    {
        this(socketPath, bindPath, timeoutNs, retries, register, token, transferMode, shmDirectory, daemonUid, null);
    }

    ClientSettings(
        final Path socketPath,
        final Path bindPath,
        final long timeoutNs,
        final int retries,
        final boolean register,
        final String token,
        final TransferMode transferMode,
        final Path shmDirectory,
        final int daemonUid,
        final RegionLostHandler regionLostHandler)
    {
        if (timeoutNs <= 0)
        {
            throw new IllegalArgumentException("timeout must be positive: " + timeoutNs + " ns");
        }
        if (retries < 0)
        {
            throw new IllegalArgumentException("retries must be >= 0: " + retries);
        }
        this.socketPath = socketPath.toAbsolutePath().normalize();
        this.bindPath = bindPath;
        this.timeoutNs = timeoutNs;
        this.retries = retries;
        this.register = register;
        this.token = token;
        this.transferMode = transferMode;
        this.shmDirectory = shmDirectory.toAbsolutePath().normalize();
        this.daemonUid = daemonUid;
        this.regionLostHandler = regionLostHandler;
    }

    boolean descriptors()
    {
        return transferMode == TransferMode.FD;
    }
}
