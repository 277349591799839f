package io.zerocp.benchmarks;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The round trip against a daemon that holds many regions and leases, and what such a daemon costs in memory.
 * <p>
 * The registered clients are simulated from the suite's own process: each gets its own socket (so its own session),
 * registers with the suite's pid (alive for the whole run, so the daemon's watcher polls it like any client) and
 * takes a hold on one region; then the socket closes. The lease TTL is long enough that no session ends mid-run.
 */
final class Scale
{
    /** One scale point: the round trip of one registered client, and the daemon's footprint. */
    record Result(int regions, int clients, LoadRun.Result load, long rssKiB, long heapUsedKiB,
        long heapCommittedKiB, long setupMs)
    {
    }

    private static final Pattern HEAP = Pattern.compile("(?:total|committed) (\\d+)K, used (\\d+)K");

    private Scale()
    {
    }

    static Result run(final Suite.Env env, final int regions, final int clients, final boolean measureLoad)
        throws Exception
    {
        try (DaemonProcess daemon = DaemonProcess.startReady(env, "scale" + regions, List.of(),
            List.of("--lease-ttl-ms", "600000")))
        {
            final long setupStart = System.nanoTime();
            final long pid = ProcessHandle.current().pid();
            try (Probe probe = new Probe(daemon.socket))
            {
                for (int i = 0; i < regions; i++)
                {
                    expectPath(probe.ask("GET_SHM_PATH:" + regionName(i)));
                }
            }
            for (int i = 0; i < clients; i++)
            {
                try (Probe client = new Probe(daemon.socket))
                {
                    final String lease = client.ask("REGISTER:process_id=" + pid);
                    if (!lease.startsWith("OK"))
                    {
                        throw new IllegalStateException("REGISTER: " + lease);
                    }
                    expectPath(client.ask("GET_SHM_PATH:" + regionName(i % regions)));
                }
            }
            final long setupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - setupStart);

            final LoadRun.Result load = measureLoad ?
                LoadRun.run(env, new LoadRun.Target("zerocpd " + regions + " regions", daemon.socket,
                    daemon.dirs.socketDir), "GET_SHM_PATH:" + regionName(regions / 2), 1, true) :
                null;

            final long[] heap = heap(daemon.pid());
            return new Result(regions, clients, load, daemon.rssKiB(), heap[1], heap[0], setupMs);
        }
    }

    static String regionName(final int i)
    {
        return String.format("scale_region_%05d", i);
    }

    private static void expectPath(final String reply)
    {
        if (!reply.startsWith("/"))
        {
            throw new IllegalStateException("GET_SHM_PATH: " + reply);
        }
    }

    /** @return {committed, used} heap in KiB after a full GC, via jcmd; -1 when jcmd fails. */
    static long[] heap(final long pid) throws Exception
    {
        final String jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(List.of(jcmd, Long.toString(pid), "GC.run"));
        final String info = run(List.of(jcmd, Long.toString(pid), "GC.heap_info"));
        final Matcher m = HEAP.matcher(info);
        if (m.find())
        {
            return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        }
        return new long[] {-1, -1};
    }

    private static String run(final List<String> command) throws Exception
    {
        final Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
