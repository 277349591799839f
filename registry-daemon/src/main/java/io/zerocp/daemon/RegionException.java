package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;

/**
 * A region operation failed in a way the client is told about with {@code reply}.
 */
final class RegionException extends Exception
{
    private final ErrorReply reply;

    RegionException(final ErrorReply reply, final String detail)
    {
        super(detail, null, false, false);
        this.reply = reply;
    }

    ErrorReply reply()
    {
        return reply;
    }
}
