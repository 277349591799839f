package io.zerocp.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The daemon's parts wired as {@link Daemon} wires them, minus the threads: a JMH benchmark drives the conductor's
 * duty cycle (or the request handler alone) on its own thread, so what is measured is the request path only.
 * Lives in the daemon's package (on the class path, not as a module) because those classes are package-private.
 */
public final class InProcessDaemon implements AutoCloseable
{
    public static final String REGION = "bench_region";

    final Path socketDir;
    final Path shmDir;
    final DaemonConfig config;
    final DaemonCore core;
    final Registry registry;
    final RequestHandler handler;
    final Transport transport;
    final Conductor conductor;

    public InProcessDaemon() throws Exception
    {
        socketDir = Files.createTempDirectory("zerocp-jmh-");
        shmDir = Files.createTempDirectory(Paths.get("/dev/shm"), "zerocp-jmh-");
        config = DaemonConfig.builder()
            .socketPath(socketDir.resolve("zerocpd.sock"))
            .shmDir(shmDir)
            .leaseTtlMs(600_000)
            .build();
        final DaemonContext context = new DaemonContext(config).conclude();
        Files.createDirectories(config.stateDir);
        core = DaemonCore.open(context); // its process watcher is never started: no scans
        registry = core.registry;
        registry.create(REGION, 4096);
        handler = core.handler;
        transport = Transports.bind(config.transport, config.socketPath, config.socketMode);
        conductor = new Conductor(core, transport, () -> { });
    }

    public Path socketPath()
    {
        return config.socketPath;
    }

    public Path socketDir()
    {
        return socketDir;
    }

    /** One duty cycle, as the conductor thread runs it: every pending request answered. */
    public int doWork() throws IOException
    {
        return conductor.doWork();
    }

    @Override
    public void close()
    {
        transport.close();
        core.close();
        deleteTree(socketDir);
        deleteTree(shmDir);
    }

    private static void deleteTree(final Path root)
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // best effort
        }
    }
}
