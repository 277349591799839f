package io.zerocp.benchmarks;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Where the daemon's time goes on the round trip: a daemon under 2-client load, recorded with JFR (method samples
 * every 2 ms, warm-up included) and, where {@code perf} exists, with {@code perf record} (cpu-clock, kernel included, JIT frames named
 * through {@code -XX:+DumpPerfMapAtExit}). Writes the raw outputs and a summary to the results directory.
 */
final class Profile
{
    private Profile()
    {
    }

    /** @return the summary text (also written to profile.txt). */
    static String run(final Suite.Env env) throws Exception
    {
        final Path jfc = env.resultsDir.resolve("sampling.jfc");
        Files.writeString(jfc, samplingSettings());
        final Path recording = env.resultsDir.resolve("zerocpd-roundtrip.jfr");
        Files.deleteIfExists(recording);
        final List<String> flags = List.of(
            "-XX:StartFlightRecording=filename=" + recording + ",settings=" + jfc + ",dumponexit=true",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit");

        final StringBuilder summary = new StringBuilder();
        final Path perfData = env.resultsDir.resolve("perf.data");
        Files.deleteIfExists(perfData);
        long daemonPid;
        Process perf = null;
        LoadRun.Result load;
        try (DaemonProcess daemon = DaemonProcess.startReady(env, "profile", flags, List.of()))
        {
            daemonPid = daemon.pid();
            try (Probe probe = new Probe(daemon.socket))
            {
                probe.ask("GET_SHM_PATH:" + Suite.REGION);
            }
            // Warm the daemon up first, so that perf sees the steady state rather than the JIT compilers.
            final LoadRun.Target target = new LoadRun.Target("zerocpd", daemon.socket, daemon.dirs.socketDir);
            LoadRun.run(env, target, "GET_SHM_PATH:" + Suite.REGION, 2, false);
            if (env.perf != null)
            {
                perf = new ProcessBuilder(env.perf, "record", "-q", "-e", "cpu-clock", "-F", "2000", "-g",
                    "-p", Long.toString(daemonPid), "-o", perfData.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(env.logDir.resolve("perf-record.log").toFile())
                    .start();
            }
            load = LoadRun.run(env, target, "GET_SHM_PATH:" + Suite.REGION, 2, false);
            if (null != perf)
            {
                new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor();
                perf.waitFor(30, TimeUnit.SECONDS);
            }
        }
        summary.append(String.format("Load while profiling: 2 clients, %.0f req/s, p50 %.1f µs (profilers add " +
            "overhead).%n%n", load.requestsPerSecond(), load.p50()));
        summary.append(jfrSummary(recording));
        final Path perfMap = Paths.get("/tmp", "perf-" + daemonPid + ".map");
        if (null != perf && Files.exists(perfData))
        {
            summary.append(perfSummary(env, perfData, perfMap));
        }
        Files.deleteIfExists(perfMap);
        Files.writeString(env.resultsDir.resolve("profile.txt"), summary.toString());
        return summary.toString();
    }

    /** The JDK's "profile" settings with Java and native method sampling every 2 ms. */
    private static String samplingSettings() throws IOException
    {
        final String profile = Files.readString(Paths.get(System.getProperty("java.home"), "lib", "jfr",
            "profile.jfc"));
        return profile
            .replaceAll("(<event name=\"jdk.ExecutionSample\">[\\s\\S]*?<setting name=\"period\"[^>]*>)[^<]*",
                "$12 ms")
            .replaceAll("(<event name=\"jdk.NativeMethodSample\">[\\s\\S]*?<setting name=\"period\"[^>]*>)[^<]*",
                "$12 ms");
    }

    private static String jfrSummary(final Path recording) throws IOException
    {
        final Map<String, Integer> threadSamples = new HashMap<>();
        final Map<String, Integer> self = new HashMap<>();
        final Map<String, Integer> inclusive = new HashMap<>();
        final Map<String, Integer> nativeTop = new HashMap<>();
        int conductorJava = 0;
        int conductorNative = 0;
        for (final RecordedEvent e : RecordingFile.readAllEvents(recording))
        {
            final String type = e.getEventType().getName();
            final boolean java = type.equals("jdk.ExecutionSample");
            if (!java && !type.equals("jdk.NativeMethodSample"))
            {
                continue;
            }
            final RecordedThread thread = e.getThread("sampledThread");
            final String threadName = null == thread ? "?" : thread.getJavaName();
            threadSamples.merge(threadName + (java ? " (in Java)" : " (in native)"), 1, Integer::sum);
            if (!"zerocpd-conductor".equals(threadName))
            {
                continue;
            }
            final RecordedStackTrace stack = e.getStackTrace();
            if (null == stack || stack.getFrames().isEmpty())
            {
                continue;
            }
            final List<RecordedFrame> frames = stack.getFrames();
            if (java)
            {
                conductorJava++;
                self.merge(name(frames.get(0)), 1, Integer::sum);
                final Set<String> seen = new HashSet<>();
                for (final RecordedFrame f : frames)
                {
                    final String n = name(f);
                    if (seen.add(n))
                    {
                        inclusive.merge(n, 1, Integer::sum);
                    }
                }
            }
            else
            {
                conductorNative++;
                // the native method and the first frame of ours above it
                String ours = "";
                for (final RecordedFrame f : frames)
                {
                    final String n = name(f);
                    if (n.startsWith("io.zerocp"))
                    {
                        ours = " <- " + n;
                        break;
                    }
                }
                nativeTop.merge(name(frames.get(0)) + ours, 1, Integer::sum);
            }
        }
        final StringBuilder out = new StringBuilder("JFR samples per thread (2 ms period):\n");
        top(threadSamples, 12, threadSamples.values().stream().mapToInt(i -> i).sum(), out);
        out.append(String.format("%nConductor thread, native-method samples (%d) — the thread is in a system " +
            "call:%n", conductorNative));
        top(nativeTop, 8, conductorNative, out);
        out.append(String.format("%nConductor thread, Java samples (%d), self (top frame):%n", conductorJava));
        top(self, 15, conductorJava, out);
        out.append(String.format("%nConductor thread, Java samples, inclusive (frame anywhere on the stack):%n"));
        top(inclusive, 25, conductorJava, out);
        return out.toString();
    }

    private static String name(final RecordedFrame frame)
    {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static void top(final Map<String, Integer> counts, final int n, final int total, final StringBuilder out)
    {
        final List<Map.Entry<String, Integer>> sorted = counts.entrySet().stream()
            .sorted((a, b) -> b.getValue() - a.getValue()).limit(n).collect(Collectors.toList());
        for (final Map.Entry<String, Integer> e : sorted)
        {
            out.append(String.format("  %5.1f%%  %6d  %s%n", 100.0 * e.getValue() / Math.max(1, total),
                e.getValue(), e.getKey()));
        }
    }

    private static String perfSummary(final Suite.Env env, final Path perfData, final Path perfMap)
        throws Exception
    {
        final StringBuilder out = new StringBuilder();
        // perf's --comms filter drops kernel and libjvm samples here (perf 6.x); filter the comm column instead.
        final Map<String, List<String>> reports = new LinkedHashMap<>();
        reports.put("perf: conductor thread CPU by shared object (self, % of all daemon samples)",
            List.of("--sort", "comm,dso", "--no-children"));
        reports.put("perf: conductor thread CPU by symbol (self, % of all daemon samples, top 30)",
            List.of("--sort", "comm,dso,sym", "--no-children"));
        for (final Map.Entry<String, List<String>> r : reports.entrySet())
        {
            final List<String> command = new ArrayList<>(List.of(env.perf, "report", "-i", perfData.toString(),
                "--stdio", "-g", "none", "--percent-limit", "0.3"));
            command.addAll(r.getValue());
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            out.append('\n').append(r.getKey()).append(":\n");
            text.lines().filter(l -> !l.startsWith("#") && l.contains("zerocpd-conduct")).limit(30)
                .forEach(l -> out.append("  ").append(l.strip().replaceAll("\\s{2,}", "  ")).append('\n'));
        }
        final Process all = new ProcessBuilder(env.perf, "report", "-i", perfData.toString(), "--stdio", "-g",
            "none", "--sort", "comm", "--no-children").redirectErrorStream(true).start();
        final String text = new String(all.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        all.waitFor(60, TimeUnit.SECONDS);
        out.append("\nperf: daemon CPU by thread:\n");
        text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).limit(12)
            .forEach(l -> out.append("  ").append(l.strip()).append('\n'));
        return out.toString();
    }
}
