package io.zerocp.client;

/**
 * Told when the daemon no longer holds a region for this client: an operator deleted it, the client's lease lapsed
 * and the region was unlinked (or made again as a new file) meanwhile, or the daemon lost its state. The mapping still
 * works but is no longer shared with the processes that acquire the name from now on: close the region and acquire it
 * again (what was written before is not in the new region).
 * <p>
 * Called once per lost region (per name and file), on the client's lease thread ({@code zerocp-lease-...}), within
 * one lease-renewal interval (a third of the TTL) of the client being able to tell, without any call from the user.
 * It must not block for long (it delays the lease renewals); exceptions it throws are caught and logged. Set it with
 * {@link RegistryClient.Builder#regionLostHandler}. Modelled on Aeron's image availability handlers.
 */
@FunctionalInterface
public interface RegionLostHandler
{
    /**
     * @param name   the region's name.
     * @param reason what happened, as the exception daemon-bound operations on the region now throw.
     */
    void onRegionLost(String name, RegionLostException reason);
}
