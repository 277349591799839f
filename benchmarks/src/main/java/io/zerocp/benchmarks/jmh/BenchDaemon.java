package io.zerocp.benchmarks.jmh;

import io.zerocp.daemon.ClientAddress;
import io.zerocp.daemon.DaemonConfig;
import io.zerocp.daemon.SteppedDaemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A {@link SteppedDaemon} (the daemon's public hook: its parts wired as zerocpd wires them, no conductor thread) in
 * fresh directories, with {@link #REGION} created, for the JMH benchmarks of the request path.
 */
final class BenchDaemon implements AutoCloseable
{
    static final String REGION = "bench_region";

    final Path socketDir;
    final Path shmDir;
    final SteppedDaemon daemon;

    BenchDaemon() throws Exception
    {
        socketDir = Files.createTempDirectory("zerocp-jmh-");
        shmDir = Files.createTempDirectory(Paths.get("/dev/shm"), "zerocp-jmh-");
        daemon = SteppedDaemon.create(DaemonConfig.builder()
            .socketPath(socketDir.resolve("zerocpd.sock"))
            .shmDir(shmDir)
            .leaseTtlMs(600_000)
            .build());
        final String created = daemon.ask("GET_SHM_PATH:" + REGION + ",size=4096", ClientAddress.ofAbstract("zerocp-jmh-setup"));
        if (!created.startsWith("/"))
        {
            close();
            throw new IllegalStateException("cannot create " + REGION + ": " + created);
        }
    }

    Path socketPath()
    {
        return daemon.socketPath();
    }

    @Override
    public void close()
    {
        daemon.close();
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
