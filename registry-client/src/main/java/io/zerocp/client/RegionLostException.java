package io.zerocp.client;

import io.zerocp.api.ErrorReply;

/**
 * The daemon no longer holds this region for this client: it was deleted, the client's lease lapsed (and the name may
 * have been created again as a new file), or the daemon lost its state. The mapping still works, but it is not shared
 * with the processes that acquire the name from now on. Close the region and acquire it again.
 */
public final class RegionLostException extends RegistryException
{
    public RegionLostException(final ErrorReply error, final String message)
    {
        super(error, message);
    }
}
