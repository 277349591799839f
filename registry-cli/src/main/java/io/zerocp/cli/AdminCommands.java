package io.zerocp.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.zerocp.client.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code zerocp ls}, {@code clients} and {@code stat}: what the daemon has, who holds it, how it is doing.
 */
final class AdminCommands
{
    private AdminCommands()
    {
    }

    /** A view that prints a table for people or, with {@code --json}, the daemon's JSON for scripts. */
    abstract static class View<T> implements Callable<Integer>
    {
        @Mixin
        ZerocpCli.Connection connection;

        @Option(names = "--json", description = "Print JSON for scripts.")
        boolean json;

        @Spec
        CommandSpec spec;

        abstract T fetch(RegistryClient client);

        abstract void print(T value, PrintWriter out);

        @Override
        public Integer call() throws JsonProcessingException
        {
            try (RegistryClient client = connection.open())
            {
                final T value = fetch(client);
                final PrintWriter out = spec.commandLine().getOut();
                if (json)
                {
                    out.println(AdminQueries.MAPPER.writeValueAsString(value));
                }
                else
                {
                    print(value, out);
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "Regions: size, kind, holders, path.")
    static final class Ls extends View<List<JsonNode>>
    {
        @Override
        List<JsonNode> fetch(final RegistryClient client)
        {
            return AdminQueries.regions(client::request);
        }

        @Override
        void print(final List<JsonNode> regions, final PrintWriter out)
        {
            printRegions(regions, out);
        }
    }

    static void printRegions(final List<JsonNode> regions, final PrintWriter out)
    {
        final TextTable table = new TextTable("NAME", "SIZE", "KIND", "LAYOUT", "HOLDERS", "PATH").right(1, 4);
        for (final JsonNode r : regions)
        {
            table.row(r.path("name").asText(), TextTable.bytes(r.path("size").asLong()),
                (r.path("static").asBoolean() ? "static" : "dynamic") + (r.path("private").asBoolean() ? ",private" : ""),
                r.path("layout").asText(), r.path("holders").size(), r.path("path").asText());
        }
        table.print(out);
    }

    @Command(name = "clients", mixinStandardHelpOptions = true,
        description = "Sessions: who they are, what they hold, when last heard from.")
    static final class Clients extends View<List<JsonNode>>
    {
        @Override
        List<JsonNode> fetch(final RegistryClient client)
        {
            return AdminQueries.clients(client::request);
        }

        @Override
        void print(final List<JsonNode> clients, final PrintWriter out)
        {
            clients.sort(Comparator.comparingLong((JsonNode c) -> c.path("bytesHeld").asLong()).reversed());
            printClients(clients, out);
        }
    }

    static void printClients(final List<JsonNode> clients, final PrintWriter out)
    {
        final TextTable table = new TextTable("SESSION", "PID", "UID", "TOKEN", "HOLDS", "HELD", "LAST SEEN",
            "LEASE LEFT", "ADDRESS").right(0, 1, 2, 4, 5, 6, 7);
        for (final JsonNode c : clients)
        {
            table.row(c.path("session").asLong(), c.path("pid").isNull() ? "-" : c.path("pid").asText(),
                c.path("uid").isMissingNode() || c.path("uid").isNull() ? "-" : c.path("uid").asText(),
                c.path("token").isNull() ? "-" : c.path("token").asText(), c.path("holds").size(),
                TextTable.bytes(c.path("bytesHeld").asLong()),
                TextTable.millis(c.path("lastSeenMsAgo").asLong()) + " ago",
                TextTable.millis(c.path("leaseLeftMs").asLong()), c.path("address").asText());
        }
        table.print(out);
    }

    @Command(name = "stat", mixinStandardHelpOptions = true,
        description = "Health and counters: uptime, requests, errors, regions, sessions, reaps by cause.")
    static final class Stat extends View<JsonNode>
    {
        @Override
        JsonNode fetch(final RegistryClient client)
        {
            return AdminQueries.stats(client::request);
        }

        @Override
        void print(final JsonNode stats, final PrintWriter out)
        {
            printStats(stats, out);
        }
    }

    static void printStats(final JsonNode s, final PrintWriter out)
    {
        out.printf("status           ok (answering)%n");
        out.printf("uptime           %s%n", TextTable.millis(s.path("uptimeMs").asLong()));
        out.printf("regions          %d (%s)%n", s.path("regions").asLong(), TextTable.bytes(s.path("bytes").asLong()));
        out.printf("sessions         %d live, %d started%n", s.path("sessions").asLong(),
            s.path("sessionsStarted").asLong());
        final JsonNode ended = s.path("sessionsEnded");
        out.printf("sessions ended   %d released, %d lease expired, %d process died, %d replaced%n",
            ended.path("release").asLong(), ended.path("leaseExpiry").asLong(), ended.path("processExit").asLong(),
            ended.path("replaced").asLong());
        out.printf("regions reaped   %d (deleted by operator: %d, created: %d)%n", s.path("regionsReaped").asLong(),
            s.path("regionsDeleted").asLong(), s.path("regionsCreated").asLong());
        out.printf("requests         %d (errors %d, dropped replies %d, auth failures %d)%n",
            s.path("requestsTotal").asLong(), s.path("errorsTotal").asLong(), s.path("droppedReplies").asLong(),
            s.path("authFailures").asLong());
        out.printf("by verb          %s%n", nonZero(s.path("requests")));
        out.printf("by error         %s%n", nonZero(s.path("errors")));
        out.flush();
    }

    private static String nonZero(final JsonNode counts)
    {
        final StringBuilder sb = new StringBuilder();
        final Iterator<Map.Entry<String, JsonNode>> it = counts.fields();
        while (it.hasNext())
        {
            final Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().asLong() != 0)
            {
                sb.append(sb.length() > 0 ? ", " : "").append(e.getKey()).append('=').append(e.getValue().asLong());
            }
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }
}
