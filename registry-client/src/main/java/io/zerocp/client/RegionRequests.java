package io.zerocp.client;

import io.zerocp.api.Protocol;

import java.util.function.Predicate;

/** The request that takes (or re-takes) a hold on a region, and the predicate its answer must pass. */
final class RegionRequests
{
    private RegionRequests()
    {
    }

    static String text(final ClientSettings settings, final String name, final long size, final boolean readOnly)
    {
        final StringBuilder sb = new StringBuilder(settings.descriptors() ? "GET_SHM_FD:" : "GET_SHM_PATH:")
            .append(name);
        if (size > 0)
        {
            sb.append(",size=").append(size);
        }
        if (readOnly && settings.descriptors())
        {
            sb.append(",mode=ro");
        }
        return sb.toString();
    }

    /** A size whose descriptor is this region's file, or a path to its file; or an error. */
    static Predicate<String> answer(
        final ClientSettings settings, final DatagramConnection connection, final String name)
    {
        if (settings.descriptors())
        {
            return reply -> Protocol.isError(reply) ||
                (Replies.isNumberOrError(reply) && connection.descriptorIsRegion(name));
        }
        return Replies.pathOf(name);
    }
}
