package io.zerocp.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Process start to first answered PING, for the JVM flag sets a launcher could use. Runs are interleaved across
 * variants so that noise from other load spreads over all of them.
 */
final class Startup
{
    /** Milliseconds per run, sorted. */
    record Variant(String name, List<String> flags, double[] millis)
    {
        double median()
        {
            return millis[millis.length / 2];
        }

        double min()
        {
            return millis[0];
        }

        double max()
        {
            return millis[millis.length - 1];
        }
    }

    private Startup()
    {
    }

    static List<Variant> run(final Suite.Env env, final int runs) throws Exception
    {
        final Path archive = archive(env);

        final Map<String, List<String>> variants = new LinkedHashMap<>();
        variants.put("default (JDK CDS on)", List.of());
        if (!env.quick)
        {
            variants.put("-Xshare:off", List.of("-Xshare:off"));
            variants.put("C1 only", List.of("-XX:TieredStopAtLevel=1"));
        }
        if (Files.exists(archive))
        {
            final String cds = "-XX:SharedArchiveFile=" + archive;
            variants.put("AppCDS", List.of(cds));
            variants.put("AppCDS + SerialGC", List.of(cds, "-XX:+UseSerialGC"));
            if (!env.quick)
            {
                variants.put("AppCDS + C1 only", List.of(cds, "-XX:TieredStopAtLevel=1"));
                variants.put("AppCDS + C1 + SerialGC", List.of(cds, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
            }
        }

        final Map<String, List<Double>> times = new LinkedHashMap<>();
        variants.keySet().forEach(k -> times.put(k, new ArrayList<>()));
        for (int run = 0; run < runs; run++)
        {
            for (final Map.Entry<String, List<String>> v : variants.entrySet())
            {
                times.get(v.getKey()).add(once(env, v.getValue()));
            }
        }
        final List<Variant> result = new ArrayList<>();
        for (final Map.Entry<String, List<String>> v : variants.entrySet())
        {
            final double[] ms = times.get(v.getKey()).stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(ms);
            result.add(new Variant(v.getKey(), v.getValue(), ms));
        }
        return result;
    }

    /** @return milliseconds from just before fork/exec to the first PONG. */
    private static double once(final Suite.Env env, final List<String> flags) throws Exception
    {
        // INFO logging, as an operator would run it
        final List<String> all = new ArrayList<>(flags);
        all.add("-Dzerocp.log.level=INFO");
        try (DaemonProcess daemon = DaemonProcess.start(env, "startup", all, List.of()))
        {
            return (daemon.awaitPong(30_000) - daemon.startNanos) / 1e6;
        }
    }

    /** @return the AppCDS archive of the daemon's classes, made by a training run the first time. */
    static Path archive(final Suite.Env env) throws Exception
    {
        final Path archive = env.resultsDir.resolve("zerocpd-appcds.jsa");
        if (!env.archiveMade)
        {
            Files.deleteIfExists(archive);
            dumpArchive(env, archive);
            env.archiveMade = true;
        }
        return archive;
    }

    /** The flags a launcher should use (see docs/benchmarks.md), or the plain daemon if no archive could be made. */
    static List<String> launcherFlags(final Suite.Env env) throws Exception
    {
        final Path archive = archive(env);
        final List<String> flags = new ArrayList<>();
        if (Files.exists(archive))
        {
            flags.add("-XX:SharedArchiveFile=" + archive);
        }
        // Not -XX:TieredStopAtLevel=1: it saves ~70 ms at startup but C1-only code makes every round trip ~20%
        // slower (measured with this suite), and AppCDS alone meets the startup target.
        flags.add("-XX:+UseSerialGC");
        return flags;
    }

    /** A training run with -XX:ArchiveClassesAtExit: start, answer a few requests, stop with SIGTERM. */
    private static void dumpArchive(final Suite.Env env, final Path archive) throws Exception
    {
        try (DaemonProcess daemon = DaemonProcess.start(env, "cds-dump",
            List.of("-XX:ArchiveClassesAtExit=" + archive, "-Dzerocp.log.level=INFO"), List.of()))
        {
            daemon.awaitPong(30_000);
            try (Probe probe = new Probe(daemon.socket))
            {
                probe.ask("GET_SHM_PATH:cds_training");
                probe.ask("GET_SHM_SIZE:cds_training");
                probe.ask("REGISTER:process_id=" + ProcessHandle.current().pid());
                probe.ask("GET_SHM_PATH:cds_training");
                probe.ask("RELEASE");
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(archive) && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
    }
}
