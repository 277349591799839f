package io.zerocp.benchmarks;

/** The report's tables for scale, garbage, start-up, crash cleanup and the profile. */
final class MoreTables
{
    private final Report report;

    MoreTables(final Report report)
    {
        this.report = report;
    }

    void render(final StringBuilder out)
    {
        if (!report.scale.isEmpty())
        {
            scale(out);
        }
        if (null != report.garbage)
        {
            garbage(out);
        }
        if (null != report.startup)
        {
            startup(out);
        }
        if (null != report.cleanup)
        {
            cleanup(out);
        }
        if (null != report.profile)
        {
            out.append("\n### Profile of the daemon on the round trip\n\n```\n").append(report.profile)
                .append("```\n");
        }
    }

    private void scale(final StringBuilder out)
    {
        out.append(String.format("%n### Scale and footprint (1 registered client measuring; %,d other registered " +
            "clients, each holding one region; lease TTL 600 s)%n%n", report.scale.get(0).clients()));
        out.append("| regions | clients | p50 µs | p99 µs | p99.9 µs | req/s | p50 ×(10 regions) | " +
            "RSS MiB | heap used after GC MiB | heap committed MiB | set-up s |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        final Scale.Result base = report.scale.get(0);
        for (final Scale.Result s : report.scale)
        {
            out.append(String.format("| %,d | %,d | %.1f | %.1f | %.1f | %,.0f | %.2f | %.1f | %.1f | %.1f | " +
                "%.1f |%n", s.regions(), s.clients(), s.load().p50(), s.load().p99(), s.load().p999(),
                s.load().requestsPerSecond(), s.load().p50() / base.load().p50(), s.rssKiB() / 1024.0,
                s.heapUsedKiB() / 1024.0, s.heapCommittedKiB() / 1024.0, s.setupMs() / 1000.0));
        }
    }

    private void garbage(final StringBuilder out)
    {
        out.append("\n### Garbage: JMH `-prof gc`, bytes allocated per operation after warm-up\n\n");
        out.append("| benchmark | params | ns/op | B/op |\n|---|---|---:|---:|\n");
        for (final Garbage.Row r : report.garbage)
        {
            out.append(String.format("| %s | %s | %.0f | %.2f |%n", r.benchmark(), r.params(), r.nsPerOp(),
                r.bytesPerOp()));
        }
        out.append("\nSocket rows include the client's junixsocket write/read in the same thread; " +
            "`EchoSocketBenchmark` is the same client with a bare echo, so the daemon's own allocation is " +
            "the difference. The daemon benchmarks reach zerocpd through `SteppedDaemon`, its public hook.\n");
    }

    private void startup(final StringBuilder out)
    {
        out.append("\n### Startup: fork/exec of `java … Zerocpd` to the first PONG (INFO logging), " +
            "runs interleaved\n\n");
        out.append("| variant | flags | median ms | min ms | max ms | runs |\n|---|---|---:|---:|---:|---:|\n");
        for (final Startup.Variant v : report.startup)
        {
            out.append(String.format("| %s | `%s` | %.0f | %.0f | %.0f | %d |%n", v.name(),
                String.join(" ", v.flags()).replace(report.env.resultsDir.toString(), "<results>"), v.median(),
                v.min(), v.max(), v.millis().length));
        }
    }

    private void cleanup(final StringBuilder out)
    {
        final CleanupLatency.Result c = report.cleanup;
        out.append(String.format("%n### Crash cleanup: SIGKILL of a registered holder to its region file " +
            "unlinked (daemon `%s`, defaults otherwise: liveness poll 10 ms, linger 50 ms)%n%n", c.daemonFlags()));
        out.append("| kills | p50 ms | p90 ms | p99 ms | max ms | min ms | not unlinked within 5 s |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        out.append(String.format("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %d |%n", c.millis().length + c.lost(),
            c.percentile(50), c.percentile(90), c.percentile(99), c.max(),
            c.millis().length > 0 ? c.millis()[0] : Double.NaN, c.lost()));
    }
}
