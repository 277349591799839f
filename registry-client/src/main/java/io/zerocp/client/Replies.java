package io.zerocp.client;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;

import java.util.function.Predicate;

/**
 * What the client accepts as an answer, and how it reads one. Replies are input: whatever answers on the daemon's
 * socket path may be a squatter, so a reply that does not have the shape of an answer to the request in hand is
 * dropped (a late answer to an earlier attempt), and a well-shaped reply with a bad value is a
 * {@link RegistryException} naming the request and the reply, never a raw {@link NumberFormatException}.
 */
final class Replies
{
    /** A region size or lease length never has more digits (Long.MAX_VALUE has 19). */
    private static final int MAX_DIGITS = 19;

    private Replies()
    {
    }

    static boolean isAny(final String reply)
    {
        return true;
    }

    static boolean isPongOrError(final String reply)
    {
        return reply.equals(Protocol.PONG) || Protocol.isError(reply);
    }

    static boolean isPathOrError(final String reply)
    {
        return reply.startsWith("/") || Protocol.isError(reply);
    }

    /** @return a predicate for the path of region {@code name}'s file (or an error). */
    static Predicate<String> pathOf(final String name)
    {
        final String suffix = "/" + Protocol.regionFileName(name);
        return reply -> reply.endsWith(suffix) || Protocol.isError(reply);
    }

    /** Digits only: the shape of a size. Whether the value fits is {@link #size}'s to say. */
    static boolean isNumberOrError(final String reply)
    {
        if (Protocol.isError(reply))
        {
            return true;
        }
        if (reply.isEmpty() || reply.length() > MAX_DIGITS + 1)
        {
            return false;
        }
        for (int i = 0; i < reply.length(); i++)
        {
            if (reply.charAt(i) < '0' || reply.charAt(i) > '9')
            {
                return false;
            }
        }
        return true;
    }

    static boolean isOkOrError(final String reply)
    {
        return reply.equals(Protocol.OK) || Protocol.isError(reply);
    }

    static boolean isLeaseOrError(final String reply)
    {
        return reply.startsWith(Protocol.LEASE_REPLY_PREFIX) || Protocol.isError(reply);
    }

    /**
     * @return the reply unless it is an {@code ERROR:} reply.
     * @throws RegistryException carrying the daemon's error.
     */
    static String expect(final String reply, final String request)
    {
        if (Protocol.isError(reply))
        {
            final ErrorReply error = ErrorReply.fromReply(reply);
            throw new RegistryException(error, "zerocpd refused " + printable(request) + ": " + reply);
        }
        return reply;
    }

    /** @return a size reply's value. @throws RegistryException when it is not a size in [0, Long.MAX_VALUE]. */
    static long size(final String reply, final String request)
    {
        return number(reply, reply, request, "a size");
    }

    /** @return the TTL of an {@code OK lease_ms=<ttl>} reply. @throws RegistryException when it is not one. */
    static long leaseMs(final String reply, final String request)
    {
        if (!reply.startsWith(Protocol.LEASE_REPLY_PREFIX))
        {
            throw bad(reply, request, "a lease (" + Protocol.LEASE_REPLY_PREFIX + "<ms>)");
        }
        final long ms = number(reply.substring(Protocol.LEASE_REPLY_PREFIX.length()), reply, request,
            "a lease (" + Protocol.LEASE_REPLY_PREFIX + "<ms>)");
        if (ms <= 0)
        {
            throw bad(reply, request, "a positive lease length");
        }
        return ms;
    }

    private static long number(final String digits, final String reply, final String request, final String what)
    {
        if (digits.isEmpty() || digits.length() > MAX_DIGITS)
        {
            throw bad(reply, request, what);
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++)
        {
            final char c = digits.charAt(i);
            if (c < '0' || c > '9' || value > (Long.MAX_VALUE - (c - '0')) / 10)
            {
                throw bad(reply, request, what);
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    static RegistryException bad(final String reply, final String request, final String what)
    {
        return new RegistryException(null, "zerocpd (or whatever answers on its socket) answered " +
            printable(request) + " with '" + printable(reply) + "', which is not " + what);
    }

    /** @return the text cut for messages; never a token. */
    static String printable(final String text)
    {
        final int cut = text.startsWith("AUTH:") ? 5 : text.length();
        final String head = text.substring(0, Math.min(cut, 80));
        final StringBuilder sb = new StringBuilder(head.length());
        for (int i = 0; i < head.length(); i++)
        {
            final char c = head.charAt(i);
            sb.append(c < 0x20 || c > 0x7e ? '?' : c);
        }
        return sb.append(cut < text.length() ? "..." : "").toString();
    }
}
