package io.zerocp.client;

/**
 * No daemon answered within the client's timeout (not running, restarting for longer than the timeout, or the
 * socket path is wrong).
 */
public final class RegistryUnavailableException extends RegistryException
{
    public RegistryUnavailableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
