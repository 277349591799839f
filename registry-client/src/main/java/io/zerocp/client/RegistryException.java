package io.zerocp.client;

import io.zerocp.api.ErrorReply;

/**
 * The daemon answered a request with an {@code ERROR:} reply, or the client could not complete it.
 */
public class RegistryException extends RuntimeException
{
    private final ErrorReply error;

    /**
     * @param error   the daemon's error, or {@code null} when the failure is the client's own.
     * @param message what went wrong, for people.
     */
    public RegistryException(final ErrorReply error, final String message)
    {
        super(message);
        this.error = error;
    }

    public RegistryException(final String message, final Throwable cause)
    {
        super(message, cause);
        this.error = null;
    }

    /** @return the daemon's error reply, or {@code null} when the daemon did not answer with one. */
    public ErrorReply error()
    {
        return error;
    }
}
