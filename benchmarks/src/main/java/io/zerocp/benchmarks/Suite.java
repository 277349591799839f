package io.zerocp.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The whole benchmark suite, every ratio from figures measured in this run: round trip (one C client for the C echo
 * and zerocpd on each transport; Java clients for zerocpd and a bare junixsocket echo), typed regions against the C
 * ring and frame hand-off, the Aeron peer suite, scale, garbage (JMH), start-up, crash cleanup and a profile. Prints
 * one markdown report (its first table is the targets) and writes it, a PNG plot and the raw outputs to the results
 * directory; with {@code --update-docs} it also becomes the generated section of docs/benchmarks.md.
 * <p>
 * Usage (see benchmarks/run.sh): {@code Suite [--results DIR] [--c-dir DIR | --no-c REASON] [--aeron-jar JAR]
 * [--transports a,b] [--quick] [--only a,b,...] [--update-docs]}, parts {@code roundtrip, typed, peer, scale,
 * garbage, startup, cleanup, profile}.
 */
public final class Suite
{
    static final String REGION = "bench_region";
    static final List<String> PARTS = List.of("roundtrip", "typed", "peer", "scale", "garbage", "startup", "cleanup",
        "profile");

    /** What every part needs: where things are, and how long to run. */
    static final class Env
    {
        Path repoRoot;
        /** Each module's build output, relative to it: the pom's zerocp.build.directory (run.sh passes its own). */
        String buildDir = "target";
        Path resultsDir;
        Path logDir;
        String daemonClassPath;
        List<String> clientJvmFlags = List.of("-XX:+UseSerialGC", "-Xmx64m");
        List<String> holderJvmFlags = List.of("-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1");
        /** zerocpd {@code --transport} values to measure; the first is the one every other part uses. */
        List<String> transports = List.of("junixsocket");
        int[] clientCounts = {1, 2, 4, 8};
        long warmupMs = 2000;
        long measureMs = 6000;
        int jmhIterations = 3;
        long jmhIterationMs = 1000;
        int startupRuns = 7;
        int kills = 40;
        double typedSeconds = 3;
        int typedRuns = 3;
        int peerAcquires = 30;
        int peerKillRounds = 3;
        int peerStartups = 5;
        double peerSeconds = 3;
        int peerRuns = 3;
        /** Aeron's lowest accepted client liveness timeout: it must exceed the driver's 1 s timer interval. */
        long aeronLowLivenessMs = 1001;
        int[] scaleRegions = {10, 1_000, 10_000};
        int scaleClients = 1_000;
        boolean quick;
        boolean archiveMade;
        String perf;
        /** The built C programs (dgram_turns, shm_spsc, frame_handoff), or null with {@link #noC} saying why. */
        Path cDir;
        String noC = "not given";
        Path aeronJar;

        String primaryTransport()
        {
            return transports.get(0);
        }

        Path c(final String program)
        {
            return null == cDir ? null : cDir.resolve(program);
        }
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
        Set<String> parts = new LinkedHashSet<>(PARTS);
        boolean updateDocs = false;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--results" -> env.resultsDir = Paths.get(args[++i]).toAbsolutePath();
                case "--c-dir" -> env.cDir = Paths.get(args[++i]).toAbsolutePath();
                case "--no-c" -> env.noC = args[++i];
                case "--aeron-jar" -> env.aeronJar = Paths.get(args[++i]).toAbsolutePath();
                case "--repo" -> env.repoRoot = Paths.get(args[++i]).toAbsolutePath();
                case "--build-dir" -> env.buildDir = args[++i];
                case "--transports" -> env.transports = List.of(args[++i].split(","));
                case "--update-docs" -> updateDocs = true;
                case "--only" ->
                {
                    parts = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                    for (final String part : parts)
                    {
                        if (!PARTS.contains(part))
                        {
                            throw new IllegalArgumentException("unknown part " + part + "; parts: " + PARTS);
                        }
                    }
                }
                case "--quick" -> quick(env);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Files.createDirectories(env.resultsDir);
        env.logDir = Files.createDirectories(env.resultsDir.resolve("logs"));
        env.daemonClassPath = DaemonProcess.classPath(env.repoRoot, env.buildDir);
        env.perf = Stream.of("/usr/bin/perf", "/usr/local/bin/perf").filter(p -> Files.isExecutable(Paths.get(p)))
            .findFirst().orElse(null);
        if (null != env.cDir && !Files.isExecutable(env.cDir.resolve("dgram_turns")))
        {
            env.noC = "no dgram_turns in " + env.cDir;
            env.cDir = null;
        }

        preflight(env);
        final long suiteStart = System.nanoTime();
        final Report report = new Report(env, List.copyOf(parts));
        for (final String part : parts)
        {
            try
            {
                runPart(env, report, part);
            }
            catch (final Exception | AssertionError ex)
            {
                // One broken part must not cost the others' figures: the report says what failed, and the exit code.
                System.out.println("[bench] " + part + ": FAILED: " + ex);
                ex.printStackTrace(System.out);
                report.failures.add(part + ": " + ex.getMessage());
            }
        }
        report.suiteSeconds = (System.nanoTime() - suiteStart) / 1e9;

        final String text = report.render();
        System.out.println();
        System.out.println(text);
        Files.writeString(env.resultsDir.resolve("results.md"), text);
        if (updateDocs)
        {
            final Path docs = env.repoRoot.resolve("docs/benchmarks.md");
            GeneratedSection.replace(docs, text);
            System.out.println("[bench] wrote the report into " + docs);
        }
        leftovers();
        if (!report.failures.isEmpty())
        {
            System.exit(1);
        }
    }

    /**
     * Starts zerocpd once on every transport of the run before anything is measured, so that a daemon without the
     * {@code --transport} flag (or a transport this JDK cannot run) stops the run at once, with the daemon's words.
     */
    private static void preflight(final Env env)
    {
        for (final String transport : env.transports)
        {
            step("checking that zerocpd starts with transport " + transport);
            try (DaemonProcess daemon = DaemonProcess.startReady(env, "preflight-" + transport, transport, List.of(),
                List.of()))
            {
                step("zerocpd " + transport + ": answers PING");
            }
            catch (final IllegalStateException ex)
            {
                System.err.println("ERROR: " + ex.getMessage());
                System.exit(2);
            }
        }
    }

    private static void quick(final Env env)
    {
        env.quick = true;
        env.clientCounts = new int[] {1, 4};
        env.warmupMs = 800;
        env.measureMs = 2000;
        env.jmhIterations = 1;
        env.jmhIterationMs = 300;
        env.startupRuns = 2;
        env.kills = 6;
        env.typedSeconds = 1;
        env.typedRuns = 1;
        env.peerAcquires = 6;
        env.peerKillRounds = 1;
        env.peerStartups = 2;
        env.peerSeconds = 1;
        env.peerRuns = 1;
        env.scaleRegions = new int[] {10, 1_000};
        env.scaleClients = 200;
    }

    /** Runs one part between two load-average readings, printed and kept for the report. */
    private static void runPart(final Env env, final Report report, final String part) throws Exception
    {
        final String before = loadAverage();
        step(part + ": start, load average " + before);
        final long start = System.nanoTime();
        switch (part)
        {
            case "roundtrip" -> RoundTripPart.run(env, report);
            case "typed" -> report.typed = TypedPart.run(env);
            case "peer" -> report.peer = PeerPart.run(env);
            case "scale" ->
            {
                for (final int regions : env.scaleRegions)
                {
                    step("scale: " + regions + " regions with " + env.scaleClients + " registered clients");
                    report.scale.add(Scale.run(env, regions, env.scaleClients, true));
                }
            }
            case "garbage" -> report.garbage = Garbage.run(env);
            case "startup" -> report.startup = Startup.run(env, env.startupRuns);
            case "cleanup" -> report.cleanup = CleanupLatency.run(env, env.kills, 10);
            case "profile" -> report.profile = Profile.run(env);
            default -> throw new IllegalArgumentException(part);
        }
        final String after = loadAverage();
        final double seconds = (System.nanoTime() - start) / 1e9;
        step(part + ": end, load average " + after + String.format(" (%.0f s)", seconds));
        report.loads.add(new Report.PartLoad(part, before, after, seconds));
    }

    /** @return the 1, 5 and 15 minute load averages from /proc/loadavg. */
    static String loadAverage()
    {
        try
        {
            final String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        }
        catch (final IOException ex)
        {
            return "?";
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
}
