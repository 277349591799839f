package io.zerocp.daemon;

import com.github.benmanes.caffeine.cache.Scheduler;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

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
    final Registry registry;
    final RequestHandler handler;
    final Transport transport;
    final Conductor conductor;
    final StateJournal journal;
    final ProcessWatcher watcher;

    public InProcessDaemon() throws Exception
    {
        socketDir = Files.createTempDirectory("zerocp-jmh-");
        shmDir = Files.createTempDirectory(Paths.get("/dev/shm"), "zerocp-jmh-");
        config = DaemonConfig.builder()
            .socketPath(socketDir.resolve("zerocpd.sock"))
            .shmDir(shmDir)
            .leaseTtlMs(600_000)
            .build();
        final DaemonCounters counters = new DaemonCounters();
        final ProcfsProcessProbe probe = new ProcfsProcessProbe();
        watcher = new ProcessWatcher(probe, config.livenessPollMs, event -> { }); // not started: no scans
        final LeaseTable leases = new LeaseTable(config.leaseTtlMs, System::nanoTime, Scheduler.disabledScheduler(),
            event -> { });
        journal = StateJournal.open(config.stateDir);
        registry = new Registry(config, new RegionFiles(), leases, watcher, counters, SystemEpochClock.INSTANCE,
            SystemNanoClock.INSTANCE, journal);
        registry.createStaticRegions();
        registry.create(REGION, 4096);
        handler = new RequestHandler(config, registry, new AccessPolicy(config.tokens),
            new AuthThrottle(SystemNanoClock.INSTANCE, config.authFailuresPerSender, config.authFailuresGlobal,
                config.authFailureWindowMs),
            probe, counters, new AdminRequests(registry, counters, SystemEpochClock.INSTANCE), new RegionDescriptors());
        transport = Transports.bind(config.transport, config.socketPath, config.socketMode);
        conductor = new Conductor(transport, handler, registry, counters, SystemNanoClock.INSTANCE, () -> { });
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
        journal.close();
        watcher.close();
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
