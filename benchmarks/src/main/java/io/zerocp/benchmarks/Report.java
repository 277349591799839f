package io.zerocp.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects the suite's results and renders them as one markdown report. Its first table is the targets, each with
 * the figure from this run that meets or misses it, so that the report can head docs/benchmarks.md as it is.
 */
final class Report
{
    /** A part's load average (1, 5, 15 min) at its start and end. */
    record PartLoad(String part, String start, String end, double seconds)
    {
    }

    final Suite.Env env;
    final List<String> parts;
    final List<PartLoad> loads = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    /** Client count to server name to result, one C client for every server. */
    final Map<Integer, Map<String, CTurns.Result>> cTurns = new LinkedHashMap<>();
    /** Client count to server name to result, Java clients. */
    final Map<Integer, Map<String, LoadRun.Result>> javaTurns = new LinkedHashMap<>();
    List<LoadRun.Result> addressKinds;
    String launcherFlags = "";
    long idleRssKiB = -1;
    long loadedRssKiB = -1;
    long leanIdleRssKiB = -1;
    long leanLoadedRssKiB = -1;
    TypedPart.Result typed;
    PeerPart.Result peer;
    final List<Scale.Result> scale = new ArrayList<>();
    List<Garbage.Row> garbage;
    List<Startup.Variant> startup;
    CleanupLatency.Result cleanup;
    String profile;
    double suiteSeconds;

    Report(final Suite.Env env, final List<String> parts)
    {
        this.env = env;
        this.parts = parts;
    }

    String render() throws IOException
    {
        final StringBuilder out = new StringBuilder();
        out.append("## zerocp benchmark report\n\n");
        out.append(machine()).append(String.format(" Suite ran %.0f s%s; parts: %s; zerocpd transports: %s. ",
            suiteSeconds, env.quick ? " (`--quick`: short runs, for checking that it works)" : "",
            String.join(", ", parts), String.join(", ", env.transports)));
        out.append(null != env.cDir ? "C baselines: built and run in this run, interleaved with ours.\n" :
            "C baselines: **not run** (" + env.noC + "), so there is no ×C figure.\n");
        for (final String failure : failures)
        {
            final String oneLine = failure.replace("\n", " ");
            out.append("\n**Part failed** (details in the output above): ")
                .append(oneLine.length() > 400 ? oneLine.substring(0, 400) + " …" : oneLine).append('\n');
        }
        new TargetTable(this).render(out);
        renderLoads(out);
        if (!cTurns.isEmpty())
        {
            renderCTurns(out);
        }
        if (!javaTurns.isEmpty())
        {
            renderJavaTurns(out);
        }
        if (null != typed)
        {
            renderTyped(out);
        }
        if (null != peer)
        {
            new PeerTable(peer).render(out);
        }
        new MoreTables(this).render(out);
        return out.toString();
    }

    private String machine() throws IOException
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
        return String.format("Machine: %d CPUs (%s), Linux %s, Java %s (%s).", Runtime.getRuntime()
            .availableProcessors(), cpu, System.getProperty("os.version"), System.getProperty("java.runtime.version"),
            System.getProperty("java.vm.name"));
    }

    private void renderLoads(final StringBuilder out)
    {
        out.append("\n### Load average (1, 5, 15 min) at the start and end of each part\n\n");
        out.append("| part | start | end | s |\n|---|---|---|---:|\n");
        for (final PartLoad l : loads)
        {
            out.append(String.format("| %s | %s | %s | %.0f |%n", l.part(), l.start(), l.end(), l.seconds()));
        }
    }

    private void renderCTurns(final StringBuilder out)
    {
        out.append(String.format("%n### Round trip, one C client for every server (`GET_SHM_PATH:%s`; µs; " +
            "req/s summed over client processes)%n%n", Suite.REGION));
        out.append("| server | clients | p50 µs | p99 µs | p99.9 µs | req/s | p50 ×C | req/s ×C | errors | " +
            "timeouts |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Map.Entry<Integer, Map<String, CTurns.Result>> e : cTurns.entrySet())
        {
            final CTurns.Result c = e.getValue().get(RoundTripPart.C_ECHO);
            for (final CTurns.Result r : e.getValue().values())
            {
                final boolean isC = r == c;
                out.append(String.format("| %s | %d | %.1f | %.1f | %.1f | %,.0f | %s | %s | %d | %d |%n", r.server(),
                    r.clients(), r.p50(), r.p99(), r.p999(), r.requestsPerSecond(),
                    isC ? "" : String.format("%.2f", r.p50() / c.p50()),
                    isC ? "" : String.format("%.2f", r.requestsPerSecond() / c.requestsPerSecond()), r.errors(),
                    r.timeouts()));
            }
        }
        out.append(String.format("%nOne C program (`benchmarks/c/dgram_turns.c`), N processes, each bound to a " +
            "path and connected to every server, takes turns between the servers in common %d ms wall-clock " +
            "slices: the same client, request bytes and noise for all. The C echo is `uds_dgram_echo`'s own server " +
            "loop (compiled in from the shared baseline); it answers 40 bytes to anything. %.1f s warm-up, %.1f s " +
            "measured (split between the servers).%n", LoadRun.SLICE_MS, env.warmupMs / 1000.0,
            env.measureMs / 1000.0));
    }

    private void renderJavaTurns(final StringBuilder out)
    {
        out.append(String.format("%n### Round trip, Java clients (`RoundTripClient`; µs; req/s summed over " +
            "clients; %d ms measured after warm-up)%n%n", env.measureMs));
        out.append("| server | clients | p50 µs | p99 µs | p99.9 µs | req/s | p50 ×echo | req/s ×echo |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        long errors = 0;
        long timeouts = 0;
        for (final Map<String, LoadRun.Result> byServer : javaTurns.values())
        {
            final LoadRun.Result echo = byServer.get(RoundTripPart.JAVA_ECHO);
            for (final LoadRun.Result r : byServer.values())
            {
                final boolean isEcho = r == echo;
                out.append(String.format("| %s | %d | %.1f | %.1f | %.1f | %,.0f | %s | %s |%n", r.server(),
                    r.clients(), r.p50(), r.p99(), r.p999(), r.requestsPerSecond(),
                    isEcho ? "" : String.format("%.2f", r.p50() / echo.p50()),
                    isEcho ? "" : String.format("%.2f", r.requestsPerSecond() / echo.requestsPerSecond())));
                if (!isEcho)
                {
                    errors += r.errors();
                    timeouts += r.timeouts();
                }
            }
        }
        if (null != addressKinds)
        {
            out.append("\nClient address kinds against the same zerocpd (1 client process, one socket per kind, " +
                "taking turns):\n\n| client bound to | p50 µs | p99 µs | p99.9 µs | req/s | p50 ×path |\n" +
                "|---|---:|---:|---:|---:|---:|\n");
            final LoadRun.Result path = addressKinds.get(0);
            for (final LoadRun.Result r : addressKinds)
            {
                out.append(String.format("| %s | %.1f | %.1f | %.1f | %,.0f | %.2f |%n", r.server(), r.p50(),
                    r.p99(), r.p999(), r.requestsPerSecond(), r.p50() / path.p50()));
            }
        }
        out.append(String.format("%nThe junixsocket echo (`EchoServer`: the daemon's socket stack, no registry) and " +
            "every zerocpd are measured in the same client processes, taking turns in %d ms slices. Launcher flags: " +
            "`%s`. Errors/timeouts in zerocpd runs: %d/%d. RSS of zerocpd %s: %.1f MiB after start, %.1f MiB after " +
            "the round trips (launcher flags: %.1f / %.1f MiB). Plot: `roundtrip-latency.png`.%n", LoadRun.SLICE_MS,
            launcherFlags, errors, timeouts, env.primaryTransport(), idleRssKiB / 1024.0, loadedRssKiB / 1024.0,
            leanIdleRssKiB / 1024.0, leanLoadedRssKiB / 1024.0));
    }

    private void renderTyped(final StringBuilder out)
    {
        final Double cRing = typed.ring().get("c");
        final double cShm = typed.frames().getOrDefault("c_shm", Double.NaN);
        final double cSocket = typed.frames().getOrDefault("c_socket", Double.NaN);
        final boolean withC = null != cRing || !Double.isNaN(cShm);
        out.append(String.format("%n### Typed regions (medians of %d run(s) of %.1f s%s)%n%n", env.typedRuns,
            env.typedSeconds, withC ? "; the C programs run between ours, in the same benchmark" :
            "; no C programs: " + env.noC));
        out.append(withC ? "| what | figure | ×C (same run) |\n|---|---:|---:|\n" : "| what | figure |\n|---|---:|\n");
        for (final String[] k : new String[][] {{"o2o", "MessageRing one-to-one, 64-byte msgs"},
            {"m2o", "MessageRing many-to-one (1 producer), 64-byte msgs"}, {"socket", "Unix stream socket, 64-byte " +
            "msgs"}, {"c", "C SPSC ring (`shm_spsc tput`)"}})
        {
            final Double v = typed.ring().get(k[0]);
            if (null != v)
            {
                out.append(String.format("| %s | %.2f M msgs/s |%s%n", k[1], v / 1e6, !withC ? "" :
                    " " + ("c".equals(k[0]) || null == cRing ? "" : String.format("%.2f", v / cRing)) + " |"));
            }
        }
        final double pool = typed.frames().get("pool");
        final double socket = typed.frames().get("socket");
        out.append(String.format("| FramePool, 1080p RGBA frames, consumer reads every byte | %.1f frames/s |%s%n",
            pool, !withC ? "" : String.format(" %.2f (of C shm) |", pool / cShm)));
        out.append(String.format("| Unix stream socket, same frames | %.1f frames/s |%s%n", socket,
            !withC ? "" : String.format(" %.2f (of C socket) |", socket / cSocket)));
        if (withC)
        {
            out.append(String.format("| C `frame_handoff shm all` / `sock all` | %.1f / %.1f frames/s | |%n", cShm,
                cSocket));
        }
        out.append("\nThe typed benchmarks run their own zerocpd inside the benchmark JVM (its default transport).\n");
    }
}
