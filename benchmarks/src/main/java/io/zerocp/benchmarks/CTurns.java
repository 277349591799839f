package io.zerocp.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The C side of the round trip: {@code dgram_turns} (benchmarks/c, built by run.sh against the shared baseline's
 * source). {@link #startEcho} runs the C echo ({@code uds_dgram_echo}'s own server loop); {@link #run} runs one C
 * client program, N processes, that takes turns between every server given (the C echo and zerocpd on each
 * transport) in common wall-clock slices, so each "×C" figure compares two servers under the same client, the same
 * request bytes and the same background noise.
 */
final class CTurns
{
    /** One server's share of a C-client run; latencies in microseconds. */
    record Result(String server, int clients, long count, long errors, long timeouts, double requestsPerSecond,
        double p50, double p99, double p999)
    {
    }

    /** A server to take turns with. */
    record Server(String name, Path socket)
    {
    }

    private CTurns()
    {
    }

    /** The C echo, bound to {@code socket}; ready when this returns. */
    static JavaProcess startEcho(final Suite.Env env, final Path socket) throws InterruptedException
    {
        final JavaProcess echo = JavaProcess.start(env.logDir, "c-echo",
            List.of(env.c("dgram_turns").toString(), "serve", socket.toString()));
        if (null == echo.awaitLine("READY", 10_000))
        {
            echo.close();
            throw new IllegalStateException("the C echo did not start:\n" + echo.logTail());
        }
        return echo;
    }

    /** @return results by server name, in the order given. */
    static Map<String, Result> run(final Suite.Env env, final List<Server> servers, final String request,
        final int clients) throws InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of(env.c("dgram_turns").toString(), "client",
            Integer.toString(clients), Long.toString(LoadRun.SLICE_MS), Double.toString(env.warmupMs / 1000.0),
            Double.toString(env.measureMs / 1000.0), request));
        servers.forEach(s -> command.add(s.socket().toString()));
        final Map<String, Result> results = new LinkedHashMap<>();
        try (JavaProcess client = JavaProcess.start(env.logDir, "c-client", command))
        {
            for (int i = 0; i < servers.size(); i++)
            {
                final String line = client.awaitLine("RESULT", env.warmupMs + env.measureMs + 60_000);
                if (null == line)
                {
                    throw new IllegalStateException("the C client gave no result:\n" + client.logTail());
                }
                final String[] f = line.split(" ");
                final Server server = servers.get(Integer.parseInt(f[1]));
                results.put(server.name(), new Result(server.name(), clients, Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                    Double.parseDouble(f[7]), Double.parseDouble(f[8])));
            }
        }
        return results;
    }
}
