package io.zerocp.benchmarks;

/** The report's table for the peer suite: zerocpd beside Aeron's media driver. */
final class PeerTable
{
    private final PeerPart.Result peer;

    PeerTable(final PeerPart.Result peer)
    {
        this.peer = peer;
    }

    PeerPart.Series get(final String name)
    {
        return peer.series().get(name);
    }

    void render(final StringBuilder out)
    {
        out.append("\n### Peer: zerocpd and Aeron 1.51.0's media driver, measured in turn on the same machine\n\n");
        out.append("| what | zerocpd | Aeron | Aeron ÷ zerocpd |\n|---|---:|---:|---:|\n");
        for (final String size : new String[] {"64k", "8m"})
        {
            final String label = "64k".equals(size) ? "64 KiB" : "8 MiB";
            row(out, "acquire " + label + " in a connected client, µs p50 [p90] (Aeron sparse)",
                "acquire." + size + ".zerocp", "acquire." + size + ".aeron-sparse", "%.0f");
            row(out, "acquire " + label + ", µs p50 [p90] (Aeron `sparse=false`)",
                "acquire." + size + ".zerocp", "acquire." + size + ".aeron-reserved", "%.0f");
        }
        row(out, "kill -9 of a client to its file gone, ms median [p90] (Aeron defaults)", "kill.zerocp",
            "kill.aeron-default", "%.1f");
        row(out, "the same, Aeron client liveness timeout " + peer.lowLivenessMs() + " ms (lowest accepted)",
            "kill.zerocp", "kill.aeron-low", "%.1f");
        row(out, "start to ready, ms median [p90]", "start.zerocp", "start.aeron", "%.0f");
        row(out, "RSS idle, MiB", "rss.idle.zerocp", "rss.idle.aeron", "%.1f");
        row(out, "RSS after the acquires (clients connected), MiB", "rss.loaded.zerocp", "rss.loaded.aeron", "%.1f");
        row(out, "64-byte messages, M msgs/s median [p90] (ring one-to-one vs IPC)", "msgs.zerocp", "msgs.aeron",
            "%.2f");
        final PeerPart.Series acquires = get("acquire.64k.zerocp");
        out.append(String.format("%nSamples: %d acquires of each kind (after %d dropped as warm-up), %d kill " +
            "round(s) (%d file(s) not gone within 40 s), %d start-up(s), %d throughput run(s) each. Both sides use " +
            "the same JDK and JVM flags; the Aeron driver runs with `threadingMode=SHARED`. What makes each " +
            "comparison unfair: docs/benchmarks.md, \"Peer suite\".%n", null == acquires ? 0 : acquires.sorted().length,
            PeerPart.ACQUIRE_WARMUP, count("kill.zerocp"), peer.lost(), count("start.zerocp"), count("msgs.zerocp")));
    }

    private int count(final String name)
    {
        final PeerPart.Series s = get(name);
        return null == s ? 0 : s.sorted().length;
    }

    private void row(final StringBuilder out, final String what, final String ours, final String theirs,
        final String format)
    {
        final PeerPart.Series a = get(ours);
        final PeerPart.Series b = get(theirs);
        if (null == a || null == b)
        {
            return;
        }
        out.append("| ").append(what).append(" | ").append(cell(a, format)).append(" | ").append(cell(b, format))
            .append(" | ").append(String.format("%.2f", b.median() / a.median())).append(" |\n");
    }

    private static String cell(final PeerPart.Series s, final String format)
    {
        return s.sorted().length == 1 ? String.format(format, s.median()) :
            String.format(format + " [" + format + "]", s.median(), s.p90());
    }
}
