package io.zerocp.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import io.zerocp.api.RegionNames;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Sorts replies into the shapes the protocol allows, for fuzz runs: {@code PONG}, {@code OK}, {@code OK lease_ms=N},
 * a region path under the shm directory, a decimal size, an admin JSON document, or one of the {@link ErrorReply}
 * texts. Anything else is {@link #MALFORMED}.
 */
public final class ReplyShapes
{
    public static final String PONG = "PONG";
    public static final String OK = "OK";
    public static final String LEASE = "OK lease_ms=N";
    public static final String PATH = "path";
    public static final String NUMBER = "number";
    public static final String JSON = "json";
    public static final String NO_REPLY = "no reply";
    /** An empty datagram was sent; the daemon cannot tell it from nothing, so no reply is expected. */
    public static final String EMPTY_DATAGRAM = "empty datagram, not answered";
    public static final String MALFORMED = "MALFORMED";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReplyShapes()
    {
    }

    /**
     * @param reply  the reply as received, or {@code null} when none came.
     * @param shmDir the daemon's shm directory; a path reply must name a region file directly inside it.
     * @return the shape: one of the constants here, or the error text (e.g. {@code ERROR: Forbidden}).
     */
    public static String classify(final String reply, final Path shmDir)
    {
        if (null == reply)
        {
            return NO_REPLY;
        }
        if (reply.equals(Protocol.PONG))
        {
            return PONG;
        }
        if (reply.equals(Protocol.OK))
        {
            return OK;
        }
        if (reply.startsWith(Protocol.LEASE_REPLY_PREFIX) &&
            isDecimal(reply.substring(Protocol.LEASE_REPLY_PREFIX.length())))
        {
            return LEASE;
        }
        if (isDecimal(reply))
        {
            return NUMBER;
        }
        final ErrorReply error = ErrorReply.fromReply(reply);
        if (null != error)
        {
            return error.text();
        }
        final String prefix = shmDir.toString() + "/";
        if (reply.startsWith(prefix) && reply.endsWith(Protocol.REGION_FILE_SUFFIX))
        {
            final String name = reply.substring(prefix.length(), reply.length() - Protocol.REGION_FILE_SUFFIX.length());
            return RegionNames.isValid(name) ? PATH : MALFORMED;
        }
        if (reply.startsWith("{") && isJson(reply))
        {
            return JSON;
        }
        return MALFORMED;
    }

    /** @return whether the shape is one the protocol allows (a reply that never came is not). */
    public static boolean isWellFormed(final String shape)
    {
        return !MALFORMED.equals(shape) && !NO_REPLY.equals(shape);
    }

    private static boolean isDecimal(final String s)
    {
        if (s.isEmpty() || s.length() > 19)
        {
            return false;
        }
        for (int i = 0; i < s.length(); i++)
        {
            if (s.charAt(i) < '0' || s.charAt(i) > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isJson(final String s)
    {
        try
        {
            MAPPER.readTree(s);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
