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

    /** How the clients bind: the name kind decides how much junixsocket allocates per datagram in the server. */
    enum Bind
    {
        /** a socket file in the server's socket directory */
        PATH,
        /** a short abstract name, as RegistryClient binds by default */
        ABSTRACT,
        /** an abstract name that fills sun_path (107 bytes), so junixsocket has no NUL padding to encode */
        ABSTRACT_FULL
    }

    private LoadRun()
    {
    }

    /** @return the client's bind argument: a path, or {@code @name}. */
    static String bindName(final Bind bind, final Path bindDir, final int index)
    {
        switch (bind)
        {
            case PATH:
                return bindDir.resolve("client-" + index + ".sock").toString();
            case ABSTRACT:
                return "@zerocp-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + index;
            default:
                final StringBuilder name = new StringBuilder(bindName(Bind.ABSTRACT, bindDir, index));
                while (name.length() < 108)
                {
                    name.append('x');
                }
                return name.toString();
        }
    }

    /**
     * @param bindDir  where the clients bind their sockets.
     */
    static Result run(final Suite.Env env, final String server, final Path serverSocket, final Path bindDir,
        final String request, final int clients) throws Exception
    {
        return run(env, server, serverSocket, bindDir, request, clients, false, Bind.PATH);
    }

    static Result run(final Suite.Env env, final String server, final Path serverSocket, final Path bindDir,
        final String request, final int clients, final boolean register, final Bind bindKind) throws Exception
    {
        final List<JavaProcess> processes = new ArrayList<>();
        try
        {
            for (int i = 0; i < clients; i++)
            {
                final String bind = bindName(bindKind, bindDir, i);
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
