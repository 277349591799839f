package io.zerocp.benchmarks;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The whole benchmark suite: round trip against zerocpd, a bare junixsocket echo server and the C baseline in the
 * same run; scale; garbage (JMH); startup; footprint; crash-cleanup latency; a profile. Prints the results as
 * markdown and writes them, a PNG plot and the raw outputs to the results directory.
 * <p>
 * Usage (see benchmarks/run.sh): {@code Suite [--results DIR] [--c-binary PATH] [--quick] [--only a,b,...]} with
 * parts {@code roundtrip, scale, garbage, startup, cleanup, profile}.
 */
public final class Suite
{
    static final String REGION = "bench_region";
    static final int[] CLIENTS = {1, 2, 4, 8};

    /** What every part needs: where things are, and how long to run. */
    static final class Env
    {
        Path repoRoot;
        Path resultsDir;
        Path logDir;
        String daemonClassPath;
        List<String> clientJvmFlags = List.of("-XX:+UseSerialGC", "-Xmx64m");
        List<String> holderJvmFlags = List.of("-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1");
        long warmupMs = 2000;
        long measureMs = 6000;
        int jmhIterations = 3;
        int startupRuns = 7;
        int kills = 40;
        boolean archiveMade;
        String perf;
        Path cBinary;
    }

    private Suite()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        Locale.setDefault(Locale.ROOT);
        final Env env = new Env();
        env.repoRoot = Paths.get("").toAbsolutePath();
        env.resultsDir = env.repoRoot.resolve("benchmarks/target/bench-results");
        Set<String> parts = new HashSet<>(List.of("roundtrip", "scale", "garbage", "startup", "cleanup", "profile"));
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--results" -> env.resultsDir = Paths.get(args[++i]).toAbsolutePath();
                case "--c-binary" -> env.cBinary = Paths.get(args[++i]);
                case "--repo" -> env.repoRoot = Paths.get(args[++i]).toAbsolutePath();
                case "--only" -> parts = new HashSet<>(Arrays.asList(args[++i].split(",")));
                case "--quick" ->
                {
                    env.warmupMs = 1000;
                    env.measureMs = 3000;
                    env.jmhIterations = 2;
                    env.startupRuns = 3;
                    env.kills = 10;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Files.createDirectories(env.resultsDir);
        env.logDir = Files.createDirectories(env.resultsDir.resolve("logs"));
        env.daemonClassPath = DaemonProcess.classPath(env.repoRoot);
        env.perf = Stream.of("/usr/bin/perf", "/usr/local/bin/perf").filter(p -> Files.isExecutable(Paths.get(p)))
            .findFirst().orElse(null);

        final long suiteStart = System.nanoTime();
        final Report report = new Report(env);
        report.machine();
        if (parts.contains("roundtrip"))
        {
            roundTrip(env, report);
        }
        if (parts.contains("scale"))
        {
            step("scale: 10 / 1,000 / 10,000 regions with 1,000 registered clients");
            for (final int regions : new int[] {10, 1_000, 10_000})
            {
                report.scale.add(Scale.run(env, regions, 1_000, true));
            }
        }
        if (parts.contains("garbage"))
        {
            step("garbage: JMH with -prof gc (parser, handler, socket path, echo)");
            report.garbage = Garbage.run(env);
        }
        if (parts.contains("startup"))
        {
            step("startup: process start to first PONG");
            report.startup = Startup.run(env, env.startupRuns);
        }
        if (parts.contains("cleanup"))
        {
            step("cleanup: kill -9 of a registered holder to region unlinked (" + env.kills + " kills)");
            report.cleanup = CleanupLatency.run(env, env.kills, 10);
        }
        if (parts.contains("profile"))
        {
            step("profile: JFR" + (null != env.perf ? " + perf" : "") + " on the daemon under 2-client load");
            report.profile = Profile.run(env);
        }
        report.suiteSeconds = (System.nanoTime() - suiteStart) / 1e9;

        final String text = report.render();
        System.out.println();
        System.out.println(text);
        Files.writeString(env.resultsDir.resolve("results.md"), text);
        leftovers();
    }

    private static void roundTrip(final Env env, final Report report) throws Exception
    {
        report.cBaseline = null;
        if (null != env.cBinary)
        {
            step("C baseline uds_dgram_echo (latency, then throughput for " + Arrays.toString(CLIENTS) + ")");
            report.cBaseline = CBaseline.run(env.cBinary, CLIENTS, env.measureMs / 1000.0);
        }
        step("AppCDS archive for the launcher-flags daemon (training run)");
        final List<String> launcherFlags = Startup.launcherFlags(env);
        try (DaemonProcess daemon = DaemonProcess.startReady(env, "roundtrip", List.of(), List.of());
             DaemonProcess lean = DaemonProcess.startReady(env, "roundtrip-lean", launcherFlags, List.of());
             BenchDirs echoDirs = BenchDirs.create("echo"))
        {
            for (final DaemonProcess d : List.of(daemon, lean))
            {
                try (Probe probe = new Probe(d.socket))
                {
                    final String path = probe.ask("GET_SHM_PATH:" + REGION);
                    if (!path.startsWith("/"))
                    {
                        throw new IllegalStateException("cannot create the benchmark region: " + path);
                    }
                }
            }
            report.idleRssKiB = daemon.rssKiB();
            report.leanIdleRssKiB = lean.rssKiB();
            final Path echoSocket = echoDirs.socket("echo.sock");
            try (JavaProcess echo = JavaProcess.startBench(env.logDir, "echo", List.of(), EchoServer.class,
                List.of(echoSocket.toString())))
            {
                if (null == echo.awaitLine("READY", 30_000))
                {
                    throw new IllegalStateException("echo server did not start:\n" + echo.logTail());
                }
                final LoadRun.Target echoTarget = new LoadRun.Target("echo", echoSocket, echoDirs.socketDir);
                final LoadRun.Target daemonTarget = new LoadRun.Target("zerocpd", daemon.socket,
                    daemon.dirs.socketDir);
                final LoadRun.Target leanTarget = new LoadRun.Target("lean", lean.socket, lean.dirs.socketDir);
                for (final int n : CLIENTS)
                {
                    step("round trip, " + n + " client(s): echo, zerocpd and zerocpd with launcher flags in turn");
                    final Map<String, LoadRun.Result> r = LoadRun.run(env,
                        List.of(echoTarget, daemonTarget, leanTarget), "GET_SHM_PATH:" + REGION, n, false);
                    report.echo.put(n, r.get("echo"));
                    report.daemon.put(n, r.get("zerocpd"));
                    report.lean.put(n, r.get("lean"));
                }
            }
            step("round trip, 1 client: path vs short abstract name vs 107-byte abstract name, in turn");
            final Map<String, LoadRun.Result> names = LoadRun.run(env, List.of(
                new LoadRun.Target("path", daemon.socket, daemon.dirs.socketDir, LoadRun.Bind.PATH),
                new LoadRun.Target("abstract", daemon.socket, daemon.dirs.socketDir, LoadRun.Bind.ABSTRACT),
                new LoadRun.Target("abstract-full", daemon.socket, daemon.dirs.socketDir,
                    LoadRun.Bind.ABSTRACT_FULL)), "GET_SHM_PATH:" + REGION, 1, false);
            report.daemonPathNamed = names.get("path");
            report.daemonAbstract = names.get("abstract");
            report.daemonAbstractFull = names.get("abstract-full");
            report.loadedRssKiB = daemon.rssKiB();
            report.leanLoadedRssKiB = lean.rssKiB();
            report.launcherFlags = String.join(" ", launcherFlags).replace(env.resultsDir.toString(), "<results>");
        }
        final List<Plot.Series> series = new ArrayList<>();
        addSeries(series, "zerocpd", report.daemon, new Color(200, 40, 40), false);
        addSeries(series, "junixsocket echo", report.echo, new Color(40, 80, 200), true);
        if (null != report.cBaseline)
        {
            series.add(new Plot.Series("C uds_dgram_echo p50", new Color(40, 150, 40), true, new int[] {1},
                new double[] {report.cBaseline.p50()}));
            series.add(new Plot.Series("C uds_dgram_echo p99", new Color(40, 150, 40), false, new int[] {1},
                new double[] {report.cBaseline.p99()}));
        }
        Plot.write(env.resultsDir.resolve("roundtrip-latency.png"),
            "GET_SHM_PATH round trip: p50 / p99 / p99.9 vs client processes", CLIENTS, series);
    }

    private static void addSeries(final List<Plot.Series> series, final String name,
        final Map<Integer, LoadRun.Result> results, final Color color, final boolean dashed)
    {
        final int[] xs = results.keySet().stream().mapToInt(Integer::intValue).toArray();
        final double[][] values = new double[3][xs.length];
        for (int i = 0; i < xs.length; i++)
        {
            final LoadRun.Result r = results.get(xs[i]);
            values[0][i] = r.p50();
            values[1][i] = r.p99();
            values[2][i] = r.p999();
        }
        final String[] labels = {"p50", "p99", "p99.9"};
        final float[] fade = {1f, 0.7f, 0.45f};
        for (int p = 0; p < 3; p++)
        {
            final Color c = new Color(
                (int)(255 - (255 - color.getRed()) * fade[p]),
                (int)(255 - (255 - color.getGreen()) * fade[p]),
                (int)(255 - (255 - color.getBlue()) * fade[p]));
            series.add(new Plot.Series(name + " " + labels[p], c, dashed, xs, values[p]));
        }
    }

    static void step(final String what)
    {
        System.out.println("[bench] " + what);
        System.out.flush();
    }

    /** The suite must leave nothing behind; say so loudly if it did. */
    private static void leftovers() throws IOException
    {
        final List<Path> left = new ArrayList<>();
        for (final Path root : List.of(Paths.get("/dev/shm"), Paths.get(System.getProperty("java.io.tmpdir"))))
        {
            try (Stream<Path> s = Files.list(root))
            {
                s.filter(p -> p.getFileName().toString().startsWith("zerocp-bench-") ||
                    p.getFileName().toString().startsWith("zerocp-jmh-")).forEach(left::add);
            }
        }
        if (!left.isEmpty())
        {
            System.out.println("WARNING: left behind (maybe by a concurrent run): " + left);
        }
    }

    /** Collects results and renders them. */
    static final class Report
    {
        final Env env;
        final Map<Integer, LoadRun.Result> daemon = new LinkedHashMap<>();
        final Map<Integer, LoadRun.Result> echo = new LinkedHashMap<>();
        final Map<Integer, LoadRun.Result> lean = new LinkedHashMap<>();
        String launcherFlags = "";
        long leanIdleRssKiB = -1;
        long leanLoadedRssKiB = -1;
        LoadRun.Result daemonPathNamed;
        LoadRun.Result daemonAbstract;
        LoadRun.Result daemonAbstractFull;
        CBaseline.Result cBaseline;
        final List<Scale.Result> scale = new ArrayList<>();
        List<Garbage.Row> garbage;
        List<Startup.Variant> startup;
        CleanupLatency.Result cleanup;
        String profile;
        long idleRssKiB = -1;
        long loadedRssKiB = -1;
        double suiteSeconds;
        String machine;

        Report(final Env env)
        {
            this.env = env;
        }

        void machine() throws IOException
        {
            String cpu = "?";
            for (final String line : Files.readAllLines(Paths.get("/proc/cpuinfo")))
            {
                if (line.startsWith("model name"))
                {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            final String load = Files.readString(Paths.get("/proc/loadavg")).trim();
            machine = String.format("%d CPUs (%s), Linux %s, Java %s (%s), load average at start %s",
                Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("os.version"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name"), load);
        }

        String render()
        {
            final StringBuilder out = new StringBuilder();
            out.append("## zerocp benchmark results\n\n");
            out.append("Machine: ").append(machine).append(". Suite ran ")
                .append(String.format("%.0f s", suiteSeconds)).append(".\n");
            if (!daemon.isEmpty())
            {
                renderRoundTrip(out);
            }
            if (!scale.isEmpty())
            {
                renderScale(out);
            }
            if (null != garbage)
            {
                renderGarbage(out);
            }
            if (null != startup)
            {
                renderStartup(out);
            }
            if (null != cleanup)
            {
                renderCleanup(out);
            }
            renderTargets(out);
            if (null != profile)
            {
                out.append("\n### Profile of the daemon on the round trip\n\n```\n").append(profile)
                    .append("```\n");
            }
            return out.toString();
        }

        private void renderRoundTrip(final StringBuilder out)
        {
            out.append(String.format("%n### Round trip `GET_SHM_PATH:%s` (one request in flight per client " +
                "process; µs; req/s summed over clients; %d ms measured after warm-up)%n%n", REGION,
                env.measureMs));
            out.append("| server | clients | p50 µs | p99 µs | p99.9 µs | req/s | p50 ×echo | req/s ×echo | " +
                "p50 ×C | req/s ×C |\n");
            out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (final int n : daemon.keySet())
            {
                final LoadRun.Result d = daemon.get(n);
                final LoadRun.Result e = echo.get(n);
                final Double cRate = null == cBaseline ? null : cBaseline.rates().get(n);
                final Double cP50 = null == cBaseline || n != 1 ? null : cBaseline.p50();
                row(out, "zerocpd", d, e, cP50, cRate);
                if (lean.containsKey(n))
                {
                    row(out, "zerocpd, launcher flags", lean.get(n), e, cP50, cRate);
                }
                row(out, "junixsocket echo", e, null, cP50, cRate);
                if (null != cBaseline)
                {
                    if (n == 1)
                    {
                        out.append(String.format("| C uds_dgram_echo | 1 | %.1f | %.1f | %.1f | %,.0f | | | | |%n",
                            cBaseline.p50(), cBaseline.p99(), cBaseline.p999(), cRate));
                    }
                    else
                    {
                        out.append(String.format("| C uds_dgram_echo | %d | | | | %,.0f | | | | |%n", n, cRate));
                    }
                }
            }
            if (null != daemonAbstract)
            {
                out.append("\nClient address kinds against the same zerocpd (1 client process, one socket per " +
                    "kind, taking turns):\n\n| client bound to | p50 µs | p99 µs | p99.9 µs | req/s | p50 ×path |" +
                    "\n|---|---:|---:|---:|---:|---:|\n");
                for (final LoadRun.Result r : List.of(daemonPathNamed, daemonAbstract, daemonAbstractFull))
                {
                    out.append(String.format("| %s | %.1f | %.1f | %.1f | %,.0f | %.2f |%n", r.server(), r.p50(),
                        r.p99(), r.p999(), r.requestsPerSecond(), r.p50() / daemonPathNamed.p50()));
                }
            }
            long errors = 0;
            long timeouts = 0;
            for (final LoadRun.Result r : daemon.values())
            {
                errors += r.errors();
                timeouts += r.timeouts();
            }
            out.append(String.format("%nEcho and both daemons are measured in the same client processes, " +
                "taking turns in %d ms slices. Launcher flags: `%s`.", LoadRun.SLICE_MS, launcherFlags));
            out.append(String.format(" Errors/timeouts in zerocpd runs: %d/%d. C rows: the C client's own " +
                "latency run (200,000 round trips) and throughput runs of %.0f s; C has no per-client-count " +
                "percentiles. Plot: `roundtrip-latency.png`.%n", errors, timeouts, env.measureMs / 1000.0));
        }

        private static void row(final StringBuilder out, final String name, final LoadRun.Result r,
            final LoadRun.Result echo, final Double cP50, final Double cRate)
        {
            out.append(String.format("| %s | %d | %.1f | %.1f | %.1f | %,.0f | %s | %s | %s | %s |%n", name,
                r.clients(), r.p50(), r.p99(), r.p999(), r.requestsPerSecond(),
                null == echo ? "" : String.format("%.2f", r.p50() / echo.p50()),
                null == echo ? "" : String.format("%.2f", r.requestsPerSecond() / echo.requestsPerSecond()),
                null == cP50 ? "" : String.format("%.2f", r.p50() / cP50),
                null == cRate ? "" : String.format("%.2f", r.requestsPerSecond() / cRate)));
        }

        private void renderScale(final StringBuilder out)
        {
            out.append("\n### Scale and footprint (1 registered client measuring; 1,000 other registered " +
                "clients, each holding one region; lease TTL 600 s)\n\n");
            out.append("| regions | clients | p50 µs | p99 µs | p99.9 µs | req/s | p50 ×(10 regions) | " +
                "RSS MiB | heap used after GC MiB | heap committed MiB | set-up s |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            final Scale.Result base = scale.get(0);
            for (final Scale.Result s : scale)
            {
                out.append(String.format("| %,d | %,d | %.1f | %.1f | %.1f | %,.0f | %.2f | %.1f | %.1f | %.1f | " +
                    "%.1f |%n", s.regions(), s.clients(), s.load().p50(), s.load().p99(), s.load().p999(),
                    s.load().requestsPerSecond(), s.load().p50() / base.load().p50(), s.rssKiB() / 1024.0,
                    s.heapUsedKiB() / 1024.0, s.heapCommittedKiB() / 1024.0, s.setupMs() / 1000.0));
            }
            if (idleRssKiB > 0)
            {
                out.append(String.format("%nFor comparison: RSS of the round-trip daemon (1 region, no " +
                    "sessions) %.1f MiB after start, %.1f MiB after all round-trip runs (JVM defaults: G1, max " +
                    "heap = 1/4 of RAM); with the launcher flags %.1f MiB and %.1f MiB. The scale daemons run with " +
                    "JVM defaults.%n", idleRssKiB / 1024.0, loadedRssKiB / 1024.0, leanIdleRssKiB / 1024.0,
                    leanLoadedRssKiB / 1024.0));
            }
        }

        private void renderGarbage(final StringBuilder out)
        {
            out.append("\n### Garbage: JMH `-prof gc`, bytes allocated per operation after warm-up\n\n");
            out.append("| benchmark | params | ns/op | B/op |\n|---|---|---:|---:|\n");
            for (final Garbage.Row r : garbage)
            {
                out.append(String.format("| %s | %s | %.0f | %.2f |%n", r.benchmark(), r.params(), r.nsPerOp(),
                    r.bytesPerOp()));
            }
            out.append("\nSocket rows include the client's junixsocket write/read in the same thread; " +
                "`EchoSocketBenchmark` is the same client with a bare echo, so the daemon's own allocation is " +
                "the difference.\n");
        }

        private void renderStartup(final StringBuilder out)
        {
            out.append("\n### Startup: fork/exec of `java … Zerocpd` to the first PONG (INFO logging), " +
                "runs interleaved\n\n");
            out.append("| variant | flags | median ms | min ms | max ms | runs |\n|---|---|---:|---:|---:|---:|\n");
            for (final Startup.Variant v : startup)
            {
                out.append(String.format("| %s | `%s` | %.0f | %.0f | %.0f | %d |%n", v.name(),
                    String.join(" ", v.flags()).replace(env.resultsDir.toString(), "<results>"), v.median(),
                    v.min(), v.max(), v.millis().length));
            }
        }

        private void renderCleanup(final StringBuilder out)
        {
            out.append(String.format("%n### Crash cleanup: SIGKILL of a registered holder to its region file " +
                "unlinked (daemon `%s`, defaults otherwise: liveness poll 10 ms, linger 50 ms)%n%n",
                cleanup.daemonFlags()));
            out.append("| kills | p50 ms | p90 ms | p99 ms | max ms | min ms | not unlinked within 5 s |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|\n");
            out.append(String.format("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %d |%n",
                cleanup.millis().length + cleanup.lost(), cleanup.percentile(50), cleanup.percentile(90),
                cleanup.percentile(99), cleanup.max(), cleanup.millis().length > 0 ? cleanup.millis()[0] :
                Double.NaN, cleanup.lost()));
        }

        private void renderTargets(final StringBuilder out)
        {
            out.append("\n### Targets\n\n| target | measured | met |\n|---|---|---|\n");
            if (daemon.containsKey(1) && echo.containsKey(1))
            {
                final double r = daemon.get(1).p50() / echo.get(1).p50();
                target(out, "round-trip p50 ≤ 1.5× echo (1 client)", String.format("%.2f×", r), r <= 1.5);
            }
            if (daemon.containsKey(4) && echo.containsKey(4))
            {
                final double r = daemon.get(4).requestsPerSecond() / echo.get(4).requestsPerSecond();
                target(out, "req/s with 4 clients ≥ 0.8× echo", String.format("%.2f×", r), r >= 0.8);
            }
            if (null != garbage)
            {
                double handler = 0;
                double daemonPath = Double.NaN;
                double abstractPath = Double.NaN;
                double echoPath = Double.NaN;
                for (final Garbage.Row g : garbage)
                {
                    if (g.benchmark().startsWith("RequestHandlerBenchmark"))
                    {
                        handler = Math.max(handler, g.bytesPerOp());
                    }
                    if (g.benchmark().startsWith("DaemonSocketBenchmark") && g.params().equals("sender=path"))
                    {
                        daemonPath = g.bytesPerOp();
                    }
                    if (g.benchmark().startsWith("DaemonSocketBenchmark") && g.params().equals("sender=abstract"))
                    {
                        abstractPath = g.bytesPerOp();
                    }
                    if (g.benchmark().startsWith("EchoSocketBenchmark"))
                    {
                        echoPath = g.bytesPerOp();
                    }
                }
                target(out, "zero bytes allocated per request after warm-up: the daemon's own code",
                    String.format("handler %.2f B/op; socket path %.0f B/op vs echo %.0f B/op", handler,
                        daemonPath, echoPath), handler < 1 && daemonPath - echoPath < 16);
                target(out, "zero bytes allocated per request after warm-up: the whole path (junixsocket included)",
                    String.format("%.0f B/op per round trip (path-bound client; short abstract name: %.0f B/op)",
                        daemonPath, abstractPath), daemonPath < 1);
            }
            if (scale.size() >= 3)
            {
                final double r = scale.get(scale.size() - 1).load().p50() / scale.get(0).load().p50();
                target(out, "10,000 regions ≤ 1.10× the p50 of 10", String.format("%.2f×", r), r <= 1.10);
            }
            if (null != startup)
            {
                Startup.Variant best = startup.get(0);
                for (final Startup.Variant v : startup)
                {
                    if (v.median() < best.median())
                    {
                        best = v;
                    }
                }
                target(out, "startup to first PONG < 500 ms", String.format("default %.0f ms; best %s %.0f ms",
                    startup.get(0).median(), best.name(), best.median()), best.median() < 500);
            }
            if (null != cleanup)
            {
                target(out, "crash cleanup p50 < 100 ms", String.format("%.1f ms", cleanup.percentile(50)),
                    cleanup.percentile(50) < 100);
                target(out, "crash cleanup worst < 250 ms", String.format("%.1f ms (%d not unlinked)",
                    cleanup.max(), cleanup.lost()), cleanup.max() < 250 && cleanup.lost() == 0);
            }
        }

        private static void target(final StringBuilder out, final String what, final String measured,
            final boolean met)
        {
            out.append("| ").append(what).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**")
                .append(" |\n");
        }
    }
}
