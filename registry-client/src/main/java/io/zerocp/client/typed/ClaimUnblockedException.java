package io.zerocp.client.typed;

import io.zerocp.client.RegistryException;

/**
 * A message ring claim was given up by the ring's consumer before this producer committed (or aborted) it: the
 * producer stalled between {@link MessageRing#tryClaim} and {@link MessageRing#commit} for longer than the consumer's
 * unblock timeout, and the consumer turned the claimed record into padding and moved on. The message was not
 * delivered; claim again to send it. {@link MessageRing#write} never surfaces this: it claims again by itself, so it
 * returns {@code true} only for a message the consumer will read.
 */
public final class ClaimUnblockedException extends RegistryException
{
    private final long claimedForMs;

    public ClaimUnblockedException(final String regionName, final int index, final long claimedForMs)
    {
        super(null, "your claim at index " + index + " of ring " + regionName + " was unblocked by the consumer after " +
            claimedForMs + " ms (longer than its unblock timeout): the message was discarded, claim again");
        this.claimedForMs = claimedForMs;
    }

    /** @return how long the claim had been held when the producer found it gone. */
    public long claimedForMs()
    {
        return claimedForMs;
    }
}
