package io.zerocp.benchmarks;

import java.util.Map;

/**
 * The report's first table: each target, the figure from this run that meets or misses it, and the ratios the
 * project quotes (against C and against Aeron), each from figures measured side by side in this run.
 */
final class TargetTable
{
    private final Report report;

    TargetTable(final Report report)
    {
        this.report = report;
    }

    void render(final StringBuilder out)
    {
        out.append("\n### Targets\n\n| target | measured in this run | met |\n|---|---|---|\n");
        roundTrip(out);
        garbage(out);
        if (report.scale.size() >= 3)
        {
            final double r = report.scale.get(report.scale.size() - 1).load().p50() / report.scale.get(0).load().p50();
            target(out, "10,000 regions ≤ 1.10× the p50 of 10", String.format("%.2f×", r), r <= 1.10);
        }
        if (null != report.startup)
        {
            Startup.Variant best = report.startup.get(0);
            for (final Startup.Variant v : report.startup)
            {
                if (v.median() < best.median())
                {
                    best = v;
                }
            }
            target(out, "startup to first PONG < 500 ms", String.format("default %.0f ms; best %s %.0f ms",
                report.startup.get(0).median(), best.name(), best.median()), best.median() < 500);
        }
        if (null != report.cleanup)
        {
            final CleanupLatency.Result c = report.cleanup;
            target(out, "crash cleanup p50 < 100 ms", String.format("%.1f ms", c.percentile(50)),
                c.percentile(50) < 100);
            target(out, "crash cleanup worst < 250 ms", String.format("%.1f ms (%d not unlinked)", c.max(), c.lost()),
                c.max() < 250 && c.lost() == 0);
        }
        typed(out);
        peer(out);
    }

    private void roundTrip(final StringBuilder out)
    {
        final String zerocpd = RoundTripPart.daemonName(report.env.primaryTransport());
        final Map<String, LoadRun.Result> one = report.javaTurns.get(1);
        if (null != one)
        {
            final double r = one.get(zerocpd).p50() / one.get(RoundTripPart.JAVA_ECHO).p50();
            target(out, "round-trip p50 ≤ 1.5× junixsocket echo (1 Java client)", String.format("%.2f×", r), r <= 1.5);
        }
        final Map<String, LoadRun.Result> four = report.javaTurns.get(4);
        if (null != four)
        {
            final double r = four.get(zerocpd).requestsPerSecond() /
                four.get(RoundTripPart.JAVA_ECHO).requestsPerSecond();
            target(out, "req/s with 4 clients ≥ 0.8× junixsocket echo", String.format("%.2f×", r), r >= 0.8);
        }
        for (final Map.Entry<Integer, Map<String, CTurns.Result>> e : report.cTurns.entrySet())
        {
            final CTurns.Result c = e.getValue().get(RoundTripPart.C_ECHO);
            for (final String transport : report.env.transports)
            {
                final CTurns.Result z = e.getValue().get(RoundTripPart.daemonName(transport));
                figure(out, String.format("round trip against the C echo, one C client, %d client(s): %s",
                    e.getKey(), RoundTripPart.daemonName(transport)), String.format("p50 %.2f× C (%.1f vs %.1f µs); req/s %.2f× C",
                    z.p50() / c.p50(), z.p50(), c.p50(), z.requestsPerSecond() / c.requestsPerSecond()));
            }
        }
        if (report.cTurns.isEmpty() && report.parts.contains("roundtrip"))
        {
            figure(out, "round trip against the C echo", "not measured: " + report.env.noC);
        }
    }

    private void garbage(final StringBuilder out)
    {
        if (null == report.garbage)
        {
            return;
        }
        double handler = 0;
        double daemonPath = Double.NaN;
        double abstractPath = Double.NaN;
        double echoPath = Double.NaN;
        for (final Garbage.Row g : report.garbage)
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
            String.format("handler %.2f B/op; socket path %.0f B/op vs echo %.0f B/op", handler, daemonPath,
                echoPath), handler < 1 && daemonPath - echoPath < 16);
        target(out, "zero bytes allocated per request after warm-up: the whole path (junixsocket included)",
            String.format("%.0f B/op per round trip (path-bound client; short abstract name: %.0f B/op)",
                daemonPath, abstractPath), daemonPath < 1);
    }

    private void typed(final StringBuilder out)
    {
        if (null == report.typed)
        {
            return;
        }
        final Double c = report.typed.ring().get("c");
        final Double o2o = report.typed.ring().get("o2o");
        if (null != c && null != o2o)
        {
            figure(out, "64-byte messages: MessageRing one-to-one vs the C SPSC ring (same run)",
                String.format("%.2f× (%.2f vs %.2f M msgs/s)", o2o / c, o2o / 1e6, c / 1e6));
        }
        final double cShm = report.typed.frames().getOrDefault("c_shm", Double.NaN);
        if (!Double.isNaN(cShm))
        {
            final double pool = report.typed.frames().get("pool");
            figure(out, "1080p frames: FramePool vs C shared-memory hand-off (same run)",
                String.format("%.2f× (%.0f vs %.0f frames/s)", pool / cShm, pool, cShm));
        }
    }

    private void peer(final StringBuilder out)
    {
        if (null == report.peer)
        {
            return;
        }
        final PeerTable t = new PeerTable(report.peer);
        final PeerPart.Series ours = t.get("acquire.64k.zerocp");
        final PeerPart.Series sparse = t.get("acquire.64k.aeron-sparse");
        final PeerPart.Series reserved = t.get("acquire.64k.aeron-reserved");
        if (null != ours && null != sparse && null != reserved)
        {
            final double best = Math.min(sparse.median(), reserved.median());
            final double r = best / ours.median();
            target(out, "claim: acquiring a 64 KiB buffer ≥ 10× faster than Aeron's driver (its faster variant)",
                String.format("%.1f× (%.0f vs %.0f µs p50)", r, ours.median(), best), r >= 10);
        }
        final PeerPart.Series kill = t.get("kill.zerocp");
        final PeerPart.Series aeron = t.get("kill.aeron-default");
        final PeerPart.Series low = t.get("kill.aeron-low");
        if (null != kill && null != aeron)
        {
            final double r = aeron.median() / kill.median();
            target(out, "claim: crash cleanup ≥ 200× faster than Aeron's driver (its defaults)",
                String.format("%.0f× (%.0f vs %.0f ms median)%s", r, kill.median(), aeron.median(),
                    null == low ? "" : String.format("; %.0f× against its lowest liveness timeout (%.0f ms)",
                        low.median() / kill.median(), low.median())), r >= 200);
        }
        final PeerPart.Series msgs = t.get("msgs.zerocp");
        final PeerPart.Series ipc = t.get("msgs.aeron");
        if (null != msgs && null != ipc)
        {
            figure(out, "64-byte messages: MessageRing one-to-one vs Aeron IPC (same run)",
                String.format("%.2f× (%.2f vs %.2f M msgs/s)", msgs.median() / ipc.median(), msgs.median(),
                    ipc.median()));
        }
    }

    private static void target(final StringBuilder out, final String what, final String measured, final boolean met)
    {
        out.append("| ").append(what).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**")
            .append(" |\n");
    }

    /** A ratio the project quotes, with no target of its own. */
    private static void figure(final StringBuilder out, final String what, final String measured)
    {
        out.append("| ").append(what).append(" | ").append(measured).append(" | (figure) |\n");
    }
}
