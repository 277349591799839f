package io.zerocp.client;

/**
 * The calling thread was interrupted while it waited for the daemon. The client and its socket stay usable for every
 * other thread and for later calls; the thread's interrupt status is kept set. Whether the daemon acted on the request
 * is unknown (an acquire that the daemon granted is released by the client).
 */
public final class RegistryInterruptedException extends RegistryException
{
    public RegistryInterruptedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
