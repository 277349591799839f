package io.zerocp.benchmarks.identity;

import io.zerocp.daemon.Daemon;
import io.zerocp.daemon.DaemonConfig;
import io.zerocp.daemon.TransportKind;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Bytes the daemon's conductor thread allocates per request, over the whole daemon-side path (receive, parse,
 * handle, reply), per transport, loaded by C clients ({@code benchmarks/c/ping_load.c}, built here with gcc) so no
 * Java client shares the measurement. The figure is the conductor thread's own allocation counter
 * ({@code ThreadMXBean.getThreadAllocatedBytes}) across a round, divided by its requests; the first round warms up.
 * <p>
 * Run: {@code java -cp ... io.zerocp.benchmarks.identity.ConductorAllocation [requests=50000]} on JDK 22+.
 */
public final class ConductorAllocation
{
    private ConductorAllocation()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final long requests = args.length > 0 ? Long.parseLong(args[0]) : 50_000;
        final Path work = Files.createTempDirectory("zerocp-alloc-");
        final Path load = work.resolve("ping_load");
        final Process gcc = new ProcessBuilder("gcc", "-O2", "-o", load.toString(),
            Path.of("benchmarks", "c", "ping_load.c").toString()).inheritIO().start();
        if (gcc.waitFor() != 0)
        {
            throw new IllegalStateException("gcc failed on benchmarks/c/ping_load.c");
        }
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        System.out.println("| transport | request | clients | bytes per request (round 2, round 3) | req/s |");
        System.out.println("|---|---|---:|---:|---:|");
        try
        {
            for (final TransportKind kind : new TransportKind[] {TransportKind.NATIVE, TransportKind.JUNIXSOCKET})
            {
                final Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "zerocp-alloc-");
                final Daemon daemon = Daemon.start(DaemonConfig.builder().socketPath(work.resolve(kind + ".sock"))
                    .shmDir(shm).transport(kind).build());
                try
                {
                    final Thread conductor = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("zerocpd-conductor")).findFirst().orElseThrow();
                    for (final String request : new String[] {"PING", "GET_SHM_PATH", "GET_SHM_SIZE"})
                    {
                        for (final int clients : new int[] {1, 4})
                        {
                            final StringBuilder bytes = new StringBuilder();
                            double rate = 0;
                            for (int round = 1; round <= 3; round++)
                            {
                                final long before = threads.getThreadAllocatedBytes(conductor.getId());
                                final long start = System.nanoTime();
                                final Process p = new ProcessBuilder(load.toString(), daemon.socketPath().toString(),
                                    Long.toString(requests), Integer.toString(clients), request).inheritIO().start();
                                if (p.waitFor() != 0)
                                {
                                    throw new IllegalStateException("ping_load failed");
                                }
                                final long allocated = threads.getThreadAllocatedBytes(conductor.getId()) - before;
                                rate = requests * clients / ((System.nanoTime() - start) / 1e9);
                                if (round > 1)
                                {
                                    bytes.append(bytes.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                                        "%.3f", allocated / (double)(requests * clients)));
                                }
                            }
                            System.out.printf(Locale.ROOT, "| %s | %s | %d | %s | %.0f |%n", kind, request, clients,
                                bytes, rate);
                        }
                    }
                }
                finally
                {
                    daemon.close();
                    deleteTree(shm);
                }
            }
        }
        finally
        {
            deleteTree(work);
        }
    }

    private static void deleteTree(final Path root) throws Exception
    {
        try (Stream<Path> all = Files.walk(root))
        {
            for (final Path p : (Iterable<Path>)all.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
