package io.zerocp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.zerocp.client.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code zerocp top}: a live view like {@code pw-top}: health line with request and error rates, then regions and
 * clients sorted by bytes, refreshed every interval.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
    description = "Live table of regions and clients sorted by bytes, request and error rates.")
final class TopCommand implements Callable<Integer>
{
    private static final String CLEAR = "\033[H\033[2J";

    @Mixin
    ZerocpCli.Connection connection;

    @Option(names = "--interval-ms", defaultValue = "1000", description = "Refresh period (default ${DEFAULT-VALUE}).")
    long intervalMs;

    @Option(names = "--iterations", defaultValue = "0", description = "Stop after N refreshes (0: until Ctrl-C).")
    int iterations;

    @Option(names = "--once", description = "One refresh without clearing the screen (for scripts and tests).")
    boolean once;

    @Option(names = "--rows", defaultValue = "15", description = "Rows per table (default ${DEFAULT-VALUE}).")
    int rows;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final int limit = once ? 1 : iterations;
        try (RegistryClient client = connection.open())
        {
            // top's own polling (STATS, LIST and CLIENTS pages) is counted by the daemon like any traffic: count
            // what we send and leave it out of the request rate, or an idle daemon would show a few req/s.
            final long[] sent = {0};
            final AdminQueries.Requester counted = request ->
            {
                sent[0]++;
                return client.request(request);
            };
            JsonNode previous = AdminQueries.stats(counted);
            long previousNs = System.nanoTime();
            long sentAtPrevious = sent[0];
            for (int i = 0; limit == 0 || i < limit; i++)
            {
                Thread.sleep(intervalMs);
                final JsonNode stats = AdminQueries.stats(counted);
                final long now = System.nanoTime();
                final long sentAtStats = sent[0];
                final long own = sentAtStats - sentAtPrevious; // sent after the previous STATS, this STATS included
                final double seconds = Math.max(1e-3, (now - previousNs) / 1e9);
                final List<JsonNode> regions = AdminQueries.regions(counted);
                final List<JsonNode> clients = AdminQueries.clients(counted);
                if (!once)
                {
                    out.print(CLEAR);
                }
                render(out, stats, previous, seconds, own, regions, clients);
                previous = stats;
                previousNs = now;
                sentAtPrevious = sentAtStats;
            }
        }
        return 0;
    }

    private void render(
        final PrintWriter out,
        final JsonNode stats,
        final JsonNode previous,
        final double seconds,
        final long ownRequests,
        final List<JsonNode> regions,
        final List<JsonNode> clients)
    {
        final long requests = stats.path("requestsTotal").asLong() - previous.path("requestsTotal").asLong();
        final double requestRate = Math.max(0, requests - ownRequests) / seconds;
        final double errorRate = (stats.path("errorsTotal").asLong() - previous.path("errorsTotal").asLong()) / seconds;
        out.printf("zerocpd up %s | %.0f req/s (top's own not counted) | %.0f err/s | %d regions (%s) | %d sessions | reaped %d | died %d%n",
            TextTable.millis(stats.path("uptimeMs").asLong()), requestRate, errorRate, stats.path("regions").asLong(),
            TextTable.bytes(stats.path("bytes").asLong()), stats.path("sessions").asLong(),
            stats.path("regionsReaped").asLong(), stats.path("sessionsEnded").path("processExit").asLong());
        printUsers(stats.path("byUid"), out);
        out.println();
        regions.sort(Comparator.comparingLong((JsonNode r) -> r.path("size").asLong()).reversed());
        AdminCommands.printRegions(regions.subList(0, Math.min(rows, regions.size())), out);
        out.println();
        clients.sort(Comparator.comparingLong((JsonNode c) -> c.path("bytesHeld").asLong()).reversed());
        AdminCommands.printClients(clients.subList(0, Math.min(rows, clients.size())), out);
        out.flush();
    }

    /** One line of the biggest holders by uid (STATS byUid; "unknown" on a daemon without kernel credentials). */
    private void printUsers(final JsonNode byUid, final PrintWriter out)
    {
        final List<java.util.Map.Entry<String, JsonNode>> users = new java.util.ArrayList<>();
        byUid.fields().forEachRemaining(users::add);
        if (users.isEmpty())
        {
            return;
        }
        users.sort(Comparator.comparingLong(
            (java.util.Map.Entry<String, JsonNode> e) -> e.getValue().path("bytesHeld").asLong()).reversed());
        final StringBuilder line = new StringBuilder("by uid:");
        for (final java.util.Map.Entry<String, JsonNode> user : users.subList(0, Math.min(rows, users.size())))
        {
            line.append(String.format(" | %s: %d session(s), %d hold(s), %s", user.getKey(),
                user.getValue().path("sessions").asLong(), user.getValue().path("holds").asLong(),
                TextTable.bytes(user.getValue().path("bytesHeld").asLong())));
        }
        out.println(line);
    }
}
