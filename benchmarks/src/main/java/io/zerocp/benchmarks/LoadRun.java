package io.zerocp.benchmarks;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N {@link RoundTripClient} processes against one or more servers, taking turns between the servers in common time
 * slices: all warm up until every one is ready, then measure the same wall-clock window. Percentiles come from the
 * merged histograms; requests/s is the sum over clients of each one's count over the server's share of the window.
 */
final class LoadRun
{
    /** Time slice per server when several are measured side by side. */
    static final long SLICE_MS = 100;

    /** How the clients bind: the name kind decides how much junixsocket allocates per datagram in the server. */
    enum Bind
    {
        /** a socket file in the server's socket directory */
        PATH,
        /** a short abstract name, as RegistryClient bound before this suite's change */
        ABSTRACT,
        /** an abstract name that fills sun_path (107 bytes), as RegistryClient binds now */
        ABSTRACT_FULL
    }

    /** One server to measure, and how its clients bind. */
    record Target(String name, Path socket, Path bindDir, Bind bind)
    {
        Target(final String name, final Path socket, final Path bindDir)
        {
            this(name, socket, bindDir, Bind.PATH);
        }
    }

    /** The outcome of one load run against one server. */
    record Result(String server, int clients, long count, long errors, long timeouts, double requestsPerSecond,
        Histogram histogram)
    {
        double percentileMicros(final double percentile)
        {
            return histogram.getValueAtPercentile(percentile) / 1000.0;
        }

        double p50()
        {
            return percentileMicros(50);
        }

        double p99()
        {
            return percentileMicros(99);
        }

        double p999()
        {
            return percentileMicros(99.9);
        }
    }

    private LoadRun()
    {
    }

    /** @return the client's bind argument: a path, or {@code @name}. */
    static String bindName(final Bind bind, final Path bindDir, final int client, final int target)
    {
        switch (bind)
        {
            case PATH:
                return bindDir.resolve("client-" + client + "-" + target + ".sock").toString();
            case ABSTRACT:
                return "@zerocp-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + client +
                    "-" + target;
            default:
                final StringBuilder name = new StringBuilder(bindName(Bind.ABSTRACT, bindDir, client, target));
                while (name.length() < 108)
                {
                    name.append('x');
                }
                return name.toString();
        }
    }

    static Result run(final Suite.Env env, final Target target, final String request, final int clients,
        final boolean register) throws Exception
    {
        return run(env, List.of(target), request, clients, register).get(target.name());
    }

    /** @return results by target name, in the order given. */
    static Map<String, Result> run(final Suite.Env env, final List<Target> targets, final String request,
        final int clients, final boolean register) throws Exception
    {
        final List<JavaProcess> processes = new ArrayList<>();
        try
        {
            for (int i = 0; i < clients; i++)
            {
                final List<String> args = new ArrayList<>(List.of(request, register ? "register" : "-",
                    Long.toString(SLICE_MS)));
                for (int t = 0; t < targets.size(); t++)
                {
                    final Target target = targets.get(t);
                    args.add(bindName(target.bind(), target.bindDir(), i, t));
                    args.add(target.socket().toString());
                }
                processes.add(JavaProcess.startBench(env.logDir, "client", env.clientJvmFlags,
                    RoundTripClient.class, args));
            }
            for (final JavaProcess p : processes)
            {
                if (null == p.awaitLine("READY", 60_000))
                {
                    throw new IllegalStateException("a client did not get ready:\n" + p.logTail());
                }
            }
            // a whole number of rounds, so that each server gets the same share of the window
            final long round = SLICE_MS * targets.size();
            final long measureMs = Math.max(round, env.measureMs / round * round);
            final long start = System.currentTimeMillis() + env.warmupMs;
            final long end = start + measureMs;
            for (final JavaProcess p : processes)
            {
                p.send("GO " + start + " " + end);
            }

            final int n = targets.size();
            final Histogram[] merged = new Histogram[n];
            final long[] count = new long[n];
            final long[] errors = new long[n];
            final long[] timeouts = new long[n];
            final double[] rate = new double[n];
            for (int t = 0; t < n; t++)
            {
                merged[t] = new Histogram(10_000_000_000L, 3);
            }
            for (final JavaProcess p : processes)
            {
                for (int t = 0; t < n; t++)
                {
                    final String line = p.awaitLine("RESULT", env.warmupMs + measureMs + 30_000);
                    if (null == line)
                    {
                        throw new IllegalStateException("a client gave no result:\n" + p.logTail());
                    }
                    final String[] f = line.split(" ");
                    final int s = Integer.parseInt(f[1]);
                    final long c = Long.parseLong(f[2]);
                    count[s] += c;
                    errors[s] += Long.parseLong(f[3]);
                    timeouts[s] += Long.parseLong(f[4]);
                    rate[s] += c / (Long.parseLong(f[5]) / 1e9);
                    merged[s].add(Histogram.decodeFromCompressedByteBuffer(
                        ByteBuffer.wrap(Base64.getDecoder().decode(f[6])), 0));
                }
            }
            final Map<String, Result> results = new LinkedHashMap<>();
            for (int t = 0; t < n; t++)
            {
                results.put(targets.get(t).name(), new Result(targets.get(t).name(), clients, count[t], errors[t],
                    timeouts[t], rate[t], merged[t]));
            }
            return results;
        }
        finally
        {
            for (final JavaProcess p : processes)
            {
                p.close();
            }
        }
    }
}
