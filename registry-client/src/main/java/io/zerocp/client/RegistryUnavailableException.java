package io.zerocp.client;

/**
 * No daemon answered within the client's timeout. The message names the socket and says what the client saw: no
 * daemon serves it (no socket file, or a file nobody is bound to: not running, restarting for longer than the
 * timeout, or the socket path is wrong), its receive queue stayed full the whole time (overloaded or stopped), or
 * requests went out and no answer came.
 */
public final class RegistryUnavailableException extends RegistryException
{
    public RegistryUnavailableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
