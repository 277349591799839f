package io.zerocp.bench;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * N {@link RoundTripClient} processes against one server: all warm up until every one is ready, then measure the
 * same wall-clock window. Percentiles come from the merged histograms; requests/s is the sum over clients.
 */
final class LoadRun
{
    /** The outcome of one load run. */
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

    /**
     * @param bindDir  where the clients bind their sockets, or null for abstract names.
     */
    static Result run(final Suite.Env env, final String server, final Path serverSocket, final Path bindDir,
        final String request, final int clients) throws Exception
    {
        return run(env, server, serverSocket, bindDir, request, clients, false);
    }

    static Result run(final Suite.Env env, final String server, final Path serverSocket, final Path bindDir,
        final String request, final int clients, final boolean register) throws Exception
    {
        final List<JavaProcess> processes = new ArrayList<>();
        try
        {
            for (int i = 0; i < clients; i++)
            {
                final String bind = null == bindDir ?
                    "@zerocp-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + i :
                    bindDir.resolve("client-" + i + ".sock").toString();
                processes.add(JavaProcess.startBench(env.logDir, "client", env.clientJvmFlags,
                    RoundTripClient.class, register ?
                    List.of(serverSocket.toString(), bind, request, "register") :
                    List.of(serverSocket.toString(), bind, request)));
            }
            for (final JavaProcess p : processes)
            {
                if (null == p.awaitLine("READY", 60_000))
                {
                    throw new IllegalStateException("a client did not get ready against " + server + ":\n" +
                        p.logTail());
                }
            }
            final long start = System.currentTimeMillis() + env.warmupMs;
            final long end = start + env.measureMs;
            for (final JavaProcess p : processes)
            {
                p.send("GO " + start + " " + end);
            }

            final Histogram merged = new Histogram(10_000_000_000L, 3);
            long count = 0;
            long errors = 0;
            long timeouts = 0;
            double rate = 0;
            for (final JavaProcess p : processes)
            {
                final String line = p.awaitLine("RESULT", env.warmupMs + env.measureMs + 30_000);
                if (null == line)
                {
                    throw new IllegalStateException("a client gave no result against " + server + ":\n" +
                        p.logTail());
                }
                final String[] f = line.split(" ");
                final long n = Long.parseLong(f[1]);
                count += n;
                errors += Long.parseLong(f[2]);
                timeouts += Long.parseLong(f[3]);
                rate += n / (Long.parseLong(f[4]) / 1e9);
                merged.add(Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(f[5])), 0));
            }
            return new Result(server, clients, count, errors, timeouts, rate, merged);
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
