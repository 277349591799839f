package io.zerocp.daemon.testkit;

import io.zerocp.daemon.Daemon;
import io.zerocp.daemon.DaemonConfig;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A real zerocpd in this JVM, on a unique socket with a unique shm directory under /dev/shm; {@link #close()} stops it
 * and removes both directories.
 */
public final class TestDaemon implements AutoCloseable
{
    private final TestDirs dirs;
    private final DaemonConfig config;
    private Daemon daemon;

    private TestDaemon(final TestDirs dirs, final DaemonConfig config, final Daemon daemon)
    {
        this.dirs = dirs;
        this.config = config;
        this.daemon = daemon;
    }

    public static TestDaemon start()
    {
        return start(b -> {});
    }

    /** @param customize adjusts the config (lease TTL, linger...) before the daemon starts. */
    public static TestDaemon start(final Consumer<DaemonConfig.Builder> customize)
    {
        final TestDirs dirs = new TestDirs();
        final DaemonConfig.Builder builder = DaemonConfig.builder()
            .socketPath(dirs.socket())
            .shmDir(dirs.shmDir());
        customize.accept(builder);
        final DaemonConfig config = builder.build();
        try
        {
            return new TestDaemon(dirs, config, Daemon.start(config));
        }
        catch (final Daemon.DaemonStartException ex)
        {
            dirs.close();
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    /**
     * Starts a daemon from config JSON (as in a {@code --config} file); socket and shm dir are filled in unless the
     * JSON sets them.
     */
    public static TestDaemon startJson(final String json)
    {
        return startJson(json, null);
    }

    /** As {@link #startJson(String)}, on the given transport ({@code null}: the default). */
    public static TestDaemon startJson(final String json, final io.zerocp.daemon.TransportKind transport)
    {
        final TestDirs dirs = new TestDirs();
        try
        {
            final DaemonConfig config = io.zerocp.daemon.ConfigLoader.parse(json,
                new io.zerocp.daemon.ConfigLoader.Overrides(dirs.socket(), dirs.shmDir(), null, null, null, null,
                    null, null == transport ? null : transport.toString()));
            return new TestDaemon(dirs, config, Daemon.start(config));
        }
        catch (final Exception ex)
        {
            dirs.close();
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    /** Stops the daemon and starts a new one on the same config, directories and state (a clean restart). */
    public void restart()
    {
        restart(() -> {});
    }

    /**
     * Stops the daemon, runs {@code whileStopped} (e.g. deletes {@link #journalFile()} so the new daemon forgets
     * every session and hold), then starts a new one on the same config and directories.
     */
    public void restart(final Runnable whileStopped)
    {
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

    public Daemon daemon()
    {
        return daemon;
    }

    public DaemonConfig config()
    {
        return config;
    }

    public Path socket()
    {
        return config.socketPath();
    }

    public Path shmDir()
    {
        return config.shmDir();
    }

    public TestDirs dirs()
    {
        return dirs;
    }

    /** @return the daemon's state journal, {@code <state-dir>/registry.journal}. */
    public Path journalFile()
    {
        return config.stateDir().resolve("registry.journal");
    }

    /** @return where the region's file lives. */
    public Path regionFile(final String name)
    {
        return config.shmDir().resolve(name + "_shm");
    }

    @Override
    public void close()
    {
        try
        {
            daemon.close();
        }
        finally
        {
            dirs.close();
        }
    }
}
