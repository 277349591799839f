package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Request;
import io.zerocp.api.Verb;

/**
 * Answers the admin verbs ({@code LIST}, {@code CLIENTS}, {@code STATS}, {@code DELETE}). The caller has already
 * checked that the sender may administer.
 */
final class AdminRequests
{
    private final Registry registry;
    private final DaemonCounters counters;

    AdminRequests(final Registry registry, final DaemonCounters counters)
    {
        this.registry = registry;
        this.counters = counters;
    }

    /**
     * @return {@code null} when {@code reply} holds the answer, or the error to send instead.
     */
    ErrorReply handle(final Verb verb, final Request request, final ReplyBuffer reply)
    {
        if (verb == Verb.DELETE)
        {
            final Region region = registry.find(request.name());
            if (null == region)
            {
                return ErrorReply.NO_SUCH_REGION;
            }
            if (region.isStatic)
            {
                return ErrorReply.FORBIDDEN;
            }
            registry.delete(region);
            reply.put(io.zerocp.api.Protocol.OK_BYTES);
            return null;
        }
        return ErrorReply.UNKNOWN_COMMAND;
    }
}
