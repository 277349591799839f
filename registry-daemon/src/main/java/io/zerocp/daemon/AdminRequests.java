package io.zerocp.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import io.zerocp.api.Request;
import io.zerocp.api.Verb;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers the admin verbs: {@code LIST} and {@code CLIENTS} (JSON, paged to fit one datagram), {@code STATS} (JSON)
 * and {@code DELETE}. The caller has checked that the sender may administer. Cold path: allocation is fine here.
 */
final class AdminRequests
{
    private static final Logger LOG = LoggerFactory.getLogger(AdminRequests.class);
    /** Room left in a reply for the page envelope. */
    private static final int PAGE_BUDGET = Protocol.MAX_REPLY_LENGTH - 512;

    private final Registry registry;
    private final DaemonCounters counters;
    private final EpochClock epochClock;
    private final long startedEpochMs;
    private final ObjectMapper mapper = new ObjectMapper();

    AdminRequests(final Registry registry, final DaemonCounters counters, final EpochClock epochClock)
    {
        this.registry = registry;
        this.counters = counters;
        this.epochClock = epochClock;
        this.startedEpochMs = epochClock.time();
    }

    /**
     * @return {@code null} when {@code reply} holds the answer, or the error to send instead.
     */
    ErrorReply handle(final Verb verb, final Request request, final ReplyBuffer reply)
    {
        switch (verb)
        {
            case DELETE:
                return delete(request.name(), reply);
            case LIST:
                return page("regions", regionEntries(), request.offset(), reply);
            case CLIENTS:
                return page("clients", clientEntries(), request.offset(), reply);
            case STATS:
                return write(stats(), reply);
            default:
                return ErrorReply.UNKNOWN_COMMAND;
        }
    }

    private ErrorReply delete(final String name, final ReplyBuffer reply)
    {
        final Region region = registry.find(name);
        if (null == region)
        {
            return ErrorReply.NO_SUCH_REGION;
        }
        if (region.isStatic)
        {
            return ErrorReply.FORBIDDEN; // static regions belong to the config
        }
        LOG.info("DELETE of region {} by an operator ({} holder(s))", name, region.holders);
        registry.delete(region);
        reply.put(Protocol.OK_BYTES);
        return null;
    }

    private List<ObjectNode> regionEntries()
    {
        final Map<Region, List<Session>> holders = new IdentityHashMap<>();
        for (final Session session : registry.leases().sessions())
        {
            for (final Region region : session.holds)
            {
                holders.computeIfAbsent(region, r -> new ArrayList<>()).add(session);
            }
        }
        final List<Region> regions = new ArrayList<>(registry.regions());
        regions.sort(Comparator.comparing(r -> r.name));
        final List<ObjectNode> entries = new ArrayList<>(regions.size());
        for (final Region region : regions)
        {
            final ObjectNode node = mapper.createObjectNode();
            node.put("name", region.name);
            node.put("path", region.path.toString());
            node.put("size", region.size);
            node.put("layout", RegionLayouts.describe(region.path));
            node.put("static", region.isStatic);
            node.put("private", region.isPrivate);
            final ArrayNode holderArray = node.putArray("holders");
            for (final Session s : holders.getOrDefault(region, List.of()))
            {
                final ObjectNode h = holderArray.addObject();
                h.put("session", s.id);
                h.put("address", s.address.toString());
                if (s.processId > 0)
                {
                    h.put("pid", s.processId);
                }
                putIds(h, s);
            }
            node.put("createdEpochMs", region.createdEpochMs);
            entries.add(node);
        }
        return entries;
    }

    private List<ObjectNode> clientEntries()
    {
        final List<Session> sessions = new ArrayList<>(registry.leases().sessions());
        sessions.sort(Comparator.comparingLong(s -> s.id));
        final LeaseTable leases = registry.leases();
        final List<ObjectNode> entries = new ArrayList<>(sessions.size());
        final long now = epochClock.time();
        for (final Session s : sessions)
        {
            final ObjectNode node = mapper.createObjectNode();
            node.put("session", s.id);
            node.put("address", s.address.toString());
            if (s.processId > 0)
            {
                node.put("pid", s.processId);
            }
            else
            {
                node.putNull("pid");
            }
            putIds(node, s);
            node.put("processBound", s.processBound);
            if (null != s.grant && s.grant != TokenGrant.OPEN)
            {
                node.put("token", s.grant.id); // the id from the config, never the token
            }
            else
            {
                node.putNull("token");
            }
            final ArrayNode holds = node.putArray("holds");
            for (final Region r : s.holds)
            {
                holds.add(r.name);
            }
            node.put("bytesHeld", s.bytesHeld);
            final long leaseLeft = leases.remainingMs(s);
            node.put("lastSeenMsAgo", Math.max(0, leases.ttlMs() - leaseLeft));
            node.put("leaseLeftMs", leaseLeft);
            node.put("startedEpochMs", s.startedEpochMs);
            node.put("ageMs", now - s.startedEpochMs);
            entries.add(node);
        }
        return entries;
    }

    /** The kernel's uid and gid of the session (native transport); null where only the address is known. */
    private static void putIds(final ObjectNode node, final Session s)
    {
        if (s.uid >= 0)
        {
            node.put("uid", s.uid);
            node.put("gid", s.gid);
        }
        else
        {
            node.putNull("uid");
            node.putNull("gid");
        }
    }

    /** Sessions, holds and bytes held per uid ({@code "unknown"} without kernel credentials). */
    private ObjectNode perUid()
    {
        final java.util.TreeMap<String, long[]> byUid = new java.util.TreeMap<>();
        for (final Session s : registry.leases().sessions())
        {
            final long[] v = byUid.computeIfAbsent(s.uid >= 0 ? Integer.toString(s.uid) : "unknown",
                k -> new long[3]);
            v[0]++;
            v[1] += s.holds.size();
            v[2] += s.bytesHeld;
        }
        final ObjectNode node = mapper.createObjectNode();
        byUid.forEach((uid, v) ->
        {
            final ObjectNode u = node.putObject(uid);
            u.put("sessions", v[0]);
            u.put("holds", v[1]);
            u.put("bytesHeld", v[2]);
        });
        return node;
    }

    private ObjectNode stats()
    {
        final ObjectNode node = mapper.createObjectNode();
        node.put("uptimeMs", epochClock.time() - startedEpochMs);
        final ObjectNode requests = node.putObject("requests");
        long total = counters.unparsedRequests();
        for (final Verb v : Verb.values())
        {
            requests.put(v.name(), counters.requests(v));
            total += counters.requests(v);
        }
        requests.put("unparsed", counters.unparsedRequests());
        node.put("requestsTotal", total);
        final ObjectNode errors = node.putObject("errors");
        for (final ErrorReply e : ErrorReply.values())
        {
            errors.put(e.message(), counters.errors(e));
        }
        node.put("errorsTotal", counters.totalErrors());
        node.put("regions", registry.regionCount());
        node.put("bytes", registry.totalBytes());
        node.put("sessions", registry.leases().size());
        node.put("sessionsStarted", counters.sessionsStarted());
        final ObjectNode ended = node.putObject("sessionsEnded");
        for (final EndCause cause : EndCause.values())
        {
            ended.put(cause.key, counters.sessionsEnded(cause));
        }
        node.put("regionsCreated", counters.regionsCreated());
        node.put("regionsReaped", counters.regionsReaped());
        node.put("regionsDeleted", counters.regionsDeleted());
        node.put("authFailures", counters.authFailures());
        node.put("droppedReplies", counters.droppedReplies());
        node.set("byUid", perUid());
        return node;
    }

    /** Writes as many entries from {@code offset} as fit in one datagram, with the offset of the next page. */
    private ErrorReply page(final String field, final List<ObjectNode> entries, final long offset,
        final ReplyBuffer reply)
    {
        final int from = (int)Math.max(0, offset);
        if (from > entries.size())
        {
            return ErrorReply.INVALID_ARGUMENT;
        }
        final ObjectNode envelope = mapper.createObjectNode();
        envelope.put("total", entries.size());
        envelope.put("offset", from);
        final ArrayNode array = mapper.createArrayNode();
        int used = 0;
        int next = from;
        try
        {
            for (; next < entries.size(); next++)
            {
                final int cost = mapper.writeValueAsBytes(entries.get(next)).length + 1;
                if (used + cost > PAGE_BUDGET)
                {
                    break;
                }
                used += cost;
                array.add(entries.get(next));
            }
        }
        catch (final JsonProcessingException ex)
        {
            return ErrorReply.INTERNAL;
        }
        if (next < entries.size())
        {
            envelope.put("next", next);
        }
        else
        {
            envelope.putNull("next");
        }
        envelope.set(field, array);
        return write(envelope, reply);
    }

    private ErrorReply write(final ObjectNode node, final ReplyBuffer reply)
    {
        try
        {
            final byte[] json = mapper.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
            if (json.length > Protocol.MAX_REPLY_LENGTH)
            {
                return ErrorReply.INTERNAL;
            }
            reply.put(json);
            return null;
        }
        catch (final JsonProcessingException ex)
        {
            return ErrorReply.INTERNAL;
        }
    }
}
