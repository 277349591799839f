package io.zerocp.benchmarks;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The round trip, {@code GET_SHM_PATH:bench_region} of an existing region, one request in flight per client process:
 * <ol>
 *   <li>one C client program for every server, taking turns: the C echo and zerocpd on each transport of the run
 *   (the "×C" figures);</li>
 *   <li>Java clients ({@link RoundTripClient}) taking turns between the junixsocket echo, zerocpd on each transport
 *   and zerocpd with the launcher flags (the "×echo" figures);</li>
 *   <li>client address kinds against the same zerocpd.</li>
 * </ol>
 */
final class RoundTripPart
{
    static final String C_ECHO = "C echo (uds_dgram_echo)";
    static final String JAVA_ECHO = "junixsocket echo";
    static final String LEAN = "zerocpd, launcher flags";

    private RoundTripPart()
    {
    }

    static String daemonName(final String transport)
    {
        return DaemonProcess.DEFAULT_TRANSPORT.equals(transport) ? "zerocpd" : "zerocpd " + transport;
    }

    static void run(final Suite.Env env, final Report report) throws Exception
    {
        final String request = "GET_SHM_PATH:" + Suite.REGION;
        Suite.step("AppCDS archive for the launcher-flags daemon (training run)");
        final List<String> launcherFlags = Startup.launcherFlags(env);
        report.launcherFlags = String.join(" ", launcherFlags).replace(env.resultsDir.toString(), "<results>");
        final Map<String, DaemonProcess> daemons = new LinkedHashMap<>();
        try (BenchDirs echoDirs = BenchDirs.create("echo"))
        {
            for (final String transport : env.transports)
            {
                daemons.put(daemonName(transport), DaemonProcess.startReady(env, "rt-" + transport, transport,
                    List.of(), List.of()));
            }
            final DaemonProcess primary = daemons.values().iterator().next();
            final DaemonProcess lean = DaemonProcess.startReady(env, "rt-lean", launcherFlags, List.of());
            daemons.put(LEAN, lean);
            for (final DaemonProcess d : daemons.values())
            {
                try (Probe probe = new Probe(d.socket))
                {
                    final String path = probe.ask(request);
                    if (!path.startsWith("/"))
                    {
                        throw new IllegalStateException("cannot create the benchmark region: " + path);
                    }
                }
            }
            report.idleRssKiB = primary.rssKiB();
            report.leanIdleRssKiB = lean.rssKiB();

            if (null != env.cDir)
            {
                final Path cEchoSocket = echoDirs.socket("c-echo.sock");
                try (JavaProcess cEcho = CTurns.startEcho(env, cEchoSocket))
                {
                    final List<CTurns.Server> servers = new ArrayList<>();
                    servers.add(new CTurns.Server(C_ECHO, cEchoSocket));
                    for (final String transport : env.transports)
                    {
                        servers.add(new CTurns.Server(daemonName(transport), daemons.get(daemonName(transport)).socket));
                    }
                    for (final int n : env.clientCounts)
                    {
                        Suite.step("round trip, " + n + " C client(s): C echo and zerocpd " + env.transports +
                            " in turn");
                        report.cTurns.put(n, CTurns.run(env, servers, request, n));
                    }
                }
            }

            final Path echoSocket = echoDirs.socket("echo.sock");
            try (JavaProcess echo = JavaProcess.startBench(env.logDir, "echo", List.of(), EchoServer.class,
                List.of(echoSocket.toString())))
            {
                if (null == echo.awaitLine("READY", 30_000))
                {
                    throw new IllegalStateException("echo server did not start:\n" + echo.logTail());
                }
                final List<LoadRun.Target> targets = new ArrayList<>();
                targets.add(new LoadRun.Target(JAVA_ECHO, echoSocket, echoDirs.socketDir));
                for (final Map.Entry<String, DaemonProcess> d : daemons.entrySet())
                {
                    targets.add(new LoadRun.Target(d.getKey(), d.getValue().socket, d.getValue().dirs.socketDir));
                }
                for (final int n : env.clientCounts)
                {
                    Suite.step("round trip, " + n + " Java client(s): junixsocket echo, " + daemons.keySet() +
                        " in turn");
                    report.javaTurns.put(n, LoadRun.run(env, targets, request, n, false));
                }
            }
            Suite.step("round trip, 1 client: path vs short abstract name vs 107-byte abstract name, in turn");
            final Map<String, LoadRun.Result> names = LoadRun.run(env, List.of(
                new LoadRun.Target("path", primary.socket, primary.dirs.socketDir, LoadRun.Bind.PATH),
                new LoadRun.Target("abstract", primary.socket, primary.dirs.socketDir, LoadRun.Bind.ABSTRACT),
                new LoadRun.Target("abstract-full", primary.socket, primary.dirs.socketDir,
                    LoadRun.Bind.ABSTRACT_FULL)), request, 1, false);
            report.addressKinds = new ArrayList<>(names.values());
            report.loadedRssKiB = primary.rssKiB();
            report.leanLoadedRssKiB = lean.rssKiB();
        }
        finally
        {
            daemons.values().forEach(DaemonProcess::close);
        }
        plot(env, report);
    }

    private static void plot(final Suite.Env env, final Report report) throws Exception
    {
        final List<Plot.Series> series = new ArrayList<>();
        final String zerocpd = daemonName(env.primaryTransport());
        final Color[] colors = {new Color(40, 150, 40), new Color(200, 40, 40), new Color(200, 120, 0),
            new Color(120, 40, 160)};
        if (!report.cTurns.isEmpty())
        {
            final List<String> names = new ArrayList<>(report.cTurns.values().iterator().next().keySet());
            for (int i = 0; i < names.size(); i++)
            {
                final String name = names.get(i);
                final Map<Integer, double[]> points = new LinkedHashMap<>();
                report.cTurns.forEach((n, r) -> points.put(n, new double[] {r.get(name).p50(), r.get(name).p99(),
                    r.get(name).p999()}));
                addSeries(series, name + " (C client)", points, colors[i % colors.length], i == 0);
            }
        }
        final Map<Integer, double[]> java = new LinkedHashMap<>();
        final Map<Integer, double[]> echo = new LinkedHashMap<>();
        report.javaTurns.forEach((n, r) ->
        {
            java.put(n, new double[] {r.get(zerocpd).p50(), r.get(zerocpd).p99(), r.get(zerocpd).p999()});
            echo.put(n, new double[] {r.get(JAVA_ECHO).p50(), r.get(JAVA_ECHO).p99(), r.get(JAVA_ECHO).p999()});
        });
        if (!java.isEmpty())
        {
            addSeries(series, zerocpd + " (Java clients)", java, new Color(120, 0, 0), false);
            addSeries(series, JAVA_ECHO + " (Java clients)", echo, new Color(40, 80, 200), true);
        }
        Plot.write(env.resultsDir.resolve("roundtrip-latency.png"),
            "GET_SHM_PATH round trip: p50 / p99 / p99.9 vs client processes", series);
    }

    private static void addSeries(final List<Plot.Series> series, final String name,
        final Map<Integer, double[]> points, final Color color, final boolean dashed)
    {
        final int[] xs = points.keySet().stream().mapToInt(Integer::intValue).toArray();
        final String[] labels = {"p50", "p99", "p99.9"};
        final float[] fade = {1f, 0.7f, 0.45f};
        for (int p = 0; p < 3; p++)
        {
            final double[] ys = new double[xs.length];
            for (int i = 0; i < xs.length; i++)
            {
                ys[i] = points.get(xs[i])[p];
            }
            final Color c = new Color(
                (int)(255 - (255 - color.getRed()) * fade[p]),
                (int)(255 - (255 - color.getGreen()) * fade[p]),
                (int)(255 - (255 - color.getBlue()) * fade[p]));
            series.add(new Plot.Series(name + " " + labels[p], c, dashed, xs, ys));
        }
    }
}
