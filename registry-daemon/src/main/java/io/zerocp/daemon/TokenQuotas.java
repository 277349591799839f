package io.zerocp.daemon;

import java.util.IdentityHashMap;
import java.util.List;

/**
 * What each token's sessions hold together, against the token's {@code max-regions} and {@code max-bytes}. The open
 * grant (auth off) and unauthenticated sessions are not counted. Conductor thread only.
 */
final class TokenQuotas
{
    /** Regions and bytes held under one token. */
    static final class Usage
    {
        long regions;
        long bytes;
    }

    private final IdentityHashMap<TokenGrant, Usage> usage = new IdentityHashMap<>();

    /** @return whether {@code grant} may hold one more region of {@code size} bytes. */
    boolean allowsOneMore(final TokenGrant grant, final long size)
    {
        if (!isCounted(grant))
        {
            return true;
        }
        final Usage used = usage.get(grant);
        final long regions = null == used ? 0 : used.regions;
        final long bytes = null == used ? 0 : used.bytes;
        return regions + 1 <= grant.maxRegions && bytes + size <= grant.maxBytes;
    }

    /** Adds (or with negative values removes) holds to the grant's usage. */
    void add(final TokenGrant grant, final long regions, final long bytes)
    {
        if (!isCounted(grant) || (regions == 0 && bytes == 0))
        {
            return;
        }
        final Usage used = usage.computeIfAbsent(grant, g -> new Usage());
        used.regions += regions;
        used.bytes += bytes;
    }

    /**
     * Gives back what {@link #add} reserved for a creation under way; nothing when the grant's usage was forgotten
     * meanwhile (a reload dropped its token).
     */
    void release(final TokenGrant grant, final long regions, final long bytes)
    {
        final Usage used = isCounted(grant) ? usage.get(grant) : null;
        if (null != used)
        {
            used.regions -= regions;
            used.bytes -= bytes;
        }
    }

    /** @return the grant's usage, or {@code null} when nothing is counted for it. */
    Usage of(final TokenGrant grant)
    {
        return usage.get(grant);
    }

    /** Forgets the usage of grants that are no longer configured (after a reload moved their sessions off). */
    void retainOnly(final List<TokenGrant> tokens)
    {
        usage.keySet().removeIf(g -> null != g.sha256 && !tokens.contains(g)); // credential grants stay
    }

    private static boolean isCounted(final TokenGrant grant)
    {
        return null != grant && grant != TokenGrant.OPEN;
    }
}
