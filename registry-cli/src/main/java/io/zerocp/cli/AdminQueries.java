package io.zerocp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.api.Protocol;
import io.zerocp.client.RegistryException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the admin replies ({@code LIST}, {@code CLIENTS}, {@code STATS}), following pages until the last.
 */
final class AdminQueries
{
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Sends one request and returns the reply: {@code client::request}, or one that also counts what it sends. */
    @FunctionalInterface
    interface Requester
    {
        String request(String request);
    }

    private AdminQueries()
    {
    }

    static List<JsonNode> regions(final Requester client)
    {
        return pages(client, "LIST", "regions");
    }

    static List<JsonNode> clients(final Requester client)
    {
        return pages(client, "CLIENTS", "clients");
    }

    static JsonNode stats(final Requester client)
    {
        return parse(client.request("STATS"), "STATS");
    }

    private static List<JsonNode> pages(final Requester client, final String verb, final String field)
    {
        final List<JsonNode> all = new ArrayList<>();
        long offset = 0;
        while (true)
        {
            final JsonNode page = parse(client.request(offset == 0 ? verb : verb + ":offset=" + offset), verb);
            page.path(field).forEach(all::add);
            final JsonNode next = page.path("next");
            if (next.isNull() || next.isMissingNode() || next.asLong() <= offset)
            {
                return all;
            }
            offset = next.asLong();
        }
    }

    private static JsonNode parse(final String reply, final String verb)
    {
        if (Protocol.isError(reply))
        {
            throw new RegistryException(io.zerocp.api.ErrorReply.fromReply(reply), verb + " refused: " + reply);
        }
        try
        {
            return MAPPER.readTree(reply);
        }
        catch (final IOException ex)
        {
            throw new RegistryException(verb + " reply is not JSON: " + ex.getMessage(), ex);
        }
    }
}
