package io.zerocp.client;

/**
 * The call was made on a {@link RegistryClient} (or a region or typed structure of one) that was closed. Nothing was
 * sent to the daemon.
 */
public final class ClientClosedException extends RegistryException
{
    public ClientClosedException(final String message)
    {
        super(null, message);
    }
}
