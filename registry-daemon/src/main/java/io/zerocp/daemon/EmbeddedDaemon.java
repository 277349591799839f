package io.zerocp.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A real zerocpd in this JVM, in directories of its own: a unique socket directory under {@code /tmp} (the socket is
 * {@code d.sock} in it) and a unique shm directory under {@code /dev/shm}; {@link #close()} stops it and removes both.
 * The embedding hook for tests, benchmarks and tools that want a daemon without a second process, in the way of
 * Aeron's {@code MediaDriver.launchEmbedded()}.
 *
 * <p>Not thread-safe: one owner starts, restarts and closes it. {@link #close()} is safe to call twice.
 */
public final class EmbeddedDaemon implements AutoCloseable
{
    private static final String PREFIX = "zerocp-embedded-";
    private static final String SOCKET_NAME = "d.sock";

    private final Path socketDir;
    private final Path freshShmDir;
    private final DaemonConfig config;
    private Daemon daemon;
    private boolean closed;

    private EmbeddedDaemon(final Path[] dirs, final DaemonConfig config, final Daemon daemon)
    {
        this.socketDir = dirs[0];
        this.freshShmDir = dirs[1];
        this.config = config;
        this.daemon = daemon;
    }

    /**
     * Starts a daemon with the default configuration in fresh directories.
     *
     * @return the running daemon; close it to stop it and remove its directories.
     * @throws IllegalStateException if it cannot start (the directories are removed).
     */
    public static EmbeddedDaemon start()
    {
        return start(b -> {});
    }

    /**
     * Starts a daemon in fresh directories after {@code customize} has adjusted the configuration (lease TTL,
     * linger...). It may also point the socket or shm directory elsewhere (a small tmpfs, say): close removes only the
     * fresh directories made here, never one the caller named.
     *
     * @param customize adjusts the builder, already holding the fresh socket path and shm directory.
     * @return the running daemon; close it to stop it and remove its directories.
     * @throws IllegalStateException if the configuration is invalid or the daemon cannot start (the directories are
     *                               removed).
     */
    public static EmbeddedDaemon start(final Consumer<DaemonConfig.Builder> customize)
    {
        final Path[] dirs = createDirs();
        try
        {
            final DaemonConfig.Builder builder = DaemonConfig.builder()
                .socketPath(dirs[0].resolve(SOCKET_NAME))
                .shmDir(dirs[1]);
            customize.accept(builder);
            final DaemonConfig config = builder.build();
            return new EmbeddedDaemon(dirs, config, Daemon.start(config));
        }
        catch (final Daemon.DaemonStartException ex)
        {
            removeDirs(dirs);
            throw new IllegalStateException(ex.getMessage(), ex);
        }
        catch (final RuntimeException | Error ex)
        {
            removeDirs(dirs);
            throw ex;
        }
    }

    /**
     * Starts a daemon from configuration JSON (as in a {@code --config} file) on the default transport; the socket and
     * shm directory are the fresh ones unless the JSON sets them.
     *
     * @throws IllegalStateException if the JSON is invalid or the daemon cannot start (the directories are removed).
     */
    public static EmbeddedDaemon startJson(final String json)
    {
        return startJson(json, null);
    }

    /**
     * As {@link #startJson(String)}, on the given transport.
     *
     * @param transport the transport, or {@code null} for the default (as {@code --transport} would set it).
     */
    public static EmbeddedDaemon startJson(final String json, final TransportKind transport)
    {
        final Path[] dirs = createDirs();
        try
        {
            final DaemonConfig config = ConfigLoader.parse(json, new ConfigLoader.Overrides(
                dirs[0].resolve(SOCKET_NAME), dirs[1], null, null, null, null, null,
                null == transport ? null : transport.toString()));
            return new EmbeddedDaemon(dirs, config, Daemon.start(config));
        }
        catch (final Exception ex)
        {
            removeDirs(dirs);
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    /** Stops the daemon and starts a new one on the same configuration, directories and state (a clean restart). */
    public void restart()
    {
        restart(() -> {});
    }

    /**
     * Stops the daemon, runs {@code whileStopped} (e.g. deletes {@link #journalFile()} so the new daemon forgets every
     * session and hold), then starts a new one on the same configuration and directories.
     *
     * @throws IllegalStateException if the new daemon cannot start; {@link #close()} still removes the directories.
     */
    public void restart(final Runnable whileStopped)
    {
        if (closed)
        {
            throw new IllegalStateException("closed");
        }
        daemon.close();
        whileStopped.run();
        try
        {
            daemon = Daemon.start(config);
        }
        catch (final Daemon.DaemonStartException ex)
        {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    /** @return the daemon running now (a new one after each {@link #restart()}). */
    public Daemon daemon()
    {
        return daemon;
    }

    /** @return the validated configuration it runs on. */
    public DaemonConfig config()
    {
        return config;
    }

    /** @return the daemon's socket. */
    public Path socket()
    {
        return config.socketPath();
    }

    /**
     * @return the fresh directory under {@code /tmp} made for the socket, removed on close: a place for clients'
     * own socket paths and other files the test needs beside the daemon.
     */
    public Path socketDir()
    {
        return socketDir;
    }

    /** @return the daemon's shm directory, where the region files live. */
    public Path shmDir()
    {
        return config.shmDir();
    }

    /** @return the daemon's state journal, {@code <state-dir>/registry.journal}. */
    public Path journalFile()
    {
        return config.stateDir().resolve("registry.journal");
    }

    /** @return where the region's file lives, {@code <shm-dir>/<name>_shm}. */
    public Path regionFile(final String name)
    {
        return config.shmDir().resolve(name + "_shm");
    }

    /** Stops the daemon and removes the socket and shm directories made for it. Safe to call twice. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            daemon.close();
        }
        finally
        {
            removeDirs(new Path[] {socketDir, freshShmDir});
        }
    }

    /** @return a fresh socket directory under /tmp and shm directory under /dev/shm, created here (never reused). */
    private static Path[] createDirs()
    {
        // Socket paths must stay under 108 bytes: short names.
        for (int attempt = 0; ; attempt++)
        {
            final String id = PREFIX + UUID.randomUUID().toString().substring(0, 8);
            final Path socketDir = Paths.get("/tmp", id);
            final Path shmDir = Paths.get("/dev/shm", id);
            try
            {
                Files.createDirectory(socketDir);
            }
            catch (final FileAlreadyExistsException ex)
            {
                if (attempt < 10)
                {
                    continue;
                }
                throw new UncheckedIOException(ex);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            try
            {
                Files.createDirectory(shmDir);
                return new Path[] {socketDir, shmDir};
            }
            catch (final IOException ex)
            {
                removeDirs(new Path[] {socketDir});
                if (ex instanceof FileAlreadyExistsException && attempt < 10)
                {
                    continue;
                }
                throw new UncheckedIOException(ex);
            }
        }
    }

    private static void removeDirs(final Path[] dirs)
    {
        for (final Path dir : dirs)
        {
            if (!Files.exists(dir))
            {
                continue;
            }
            try
            {
                Files.walkFileTree(dir, new SimpleFileVisitor<>()
                {
                    @Override
                    public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs)
                        throws IOException
                    {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(final Path d, final IOException exc) throws IOException
                    {
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot remove " + dir, ex);
            }
        }
    }
}
