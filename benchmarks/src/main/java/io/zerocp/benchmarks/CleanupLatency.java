package io.zerocp.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Crash cleanup: a registered {@link RegionHolder} is the only holder of its region; the suite sends it SIGKILL and
 * times how long until the daemon has unlinked the region file. The lease TTL is 30 s, so only the pid watch can
 * explain a fast cleanup.
 */
final class CleanupLatency
{
    /** Latencies in milliseconds, sorted; {@code lost} counts regions not unlinked within the bound. */
    record Result(double[] millis, int lost, String daemonFlags)
    {
        double percentile(final double p)
        {
            if (millis.length == 0)
            {
                return Double.NaN;
            }
            final int index = (int)Math.ceil(p / 100.0 * millis.length) - 1;
            return millis[Math.max(0, Math.min(millis.length - 1, index))];
        }

        double max()
        {
            return millis.length == 0 ? Double.NaN : millis[millis.length - 1];
        }
    }

    private static final long BOUND_NS = 5_000_000_000L;

    private CleanupLatency()
    {
    }

    static Result run(final Suite.Env env, final int kills, final int batch) throws Exception
    {
        final List<String> daemonArgs = List.of("--lease-ttl-ms", "30000");
        final List<Double> latencies = new ArrayList<>();
        int lost = 0;
        try (DaemonProcess daemon = DaemonProcess.startReady(env, "cleanup", List.of(), daemonArgs))
        {
            int next = 0;
            while (next < kills)
            {
                final List<JavaProcess> holders = new ArrayList<>();
                final List<Path> files = new ArrayList<>();
                try
                {
                    for (int i = 0; i < batch && next + i < kills; i++)
                    {
                        final String name = "crash_region_" + (next + i);
                        holders.add(JavaProcess.startBench(env.logDir, "holder", env.holderJvmFlags,
                            RegionHolder.class, List.of(daemon.socket.toString(), name)));
                        files.add(daemon.dirs.shmDir.resolve(name + "_shm"));
                    }
                    for (final JavaProcess h : holders)
                    {
                        if (null == h.awaitLine("READY", 60_000))
                        {
                            throw new IllegalStateException("holder did not start:\n" + h.logTail());
                        }
                    }
                    for (int i = 0; i < holders.size(); i++)
                    {
                        final Path file = files.get(i);
                        if (!Files.exists(file))
                        {
                            throw new IllegalStateException("region file missing before the kill: " + file);
                        }
                        final long t0 = System.nanoTime();
                        holders.get(i).process.destroyForcibly(); // SIGKILL
                        long t1;
                        while (Files.exists(file))
                        {
                            if (System.nanoTime() - t0 > BOUND_NS)
                            {
                                break;
                            }
                            LockSupport.parkNanos(100_000);
                        }
                        t1 = System.nanoTime();
                        if (Files.exists(file))
                        {
                            lost++;
                        }
                        else
                        {
                            latencies.add((t1 - t0) / 1e6);
                        }
                        LockSupport.parkNanos(30_000_000L); // let the daemon settle before the next kill
                    }
                }
                finally
                {
                    for (final JavaProcess h : holders)
                    {
                        h.close();
                    }
                }
                next += holders.size();
            }
        }
        final double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return new Result(sorted, lost, String.join(" ", daemonArgs));
    }
}
