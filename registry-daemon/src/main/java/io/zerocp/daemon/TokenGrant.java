package io.zerocp.daemon;

import io.zerocp.api.RegionNames;

import java.util.List;

/**
 * What one token allows: which names, whether it may create, whether it may administer, and its quotas. Immutable.
 */
final class TokenGrant
{
    /** The grant every client has when no tokens are configured (auth off). */
    static final TokenGrant OPEN = new TokenGrant("open", null, List.of("*"), true, true,
        Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    /** The grant of a sender that has not authenticated while auth is on: nothing. */
    static final TokenGrant NONE = new TokenGrant("none", null, List.of(), false, false, 0, 0, 0);

    final String id;
    final byte[] sha256;
    final List<String> allow;
    final boolean mayCreate;
    final boolean admin;
    final long maxRegions;
    final long maxBytes;
    final long maxRegionSize;
    /** Only read-only descriptors ({@code GET_SHM_FD:...,mode=ro}); nothing is created. */
    final boolean readOnly;

    TokenGrant(
        final String id,
        final byte[] sha256,
        final List<String> allow,
        final boolean mayCreate,
        final boolean admin,
        final long maxRegions,
        final long maxBytes,
        final long maxRegionSize)
    {
        this(id, sha256, allow, mayCreate, admin, maxRegions, maxBytes, maxRegionSize, false);
    }

    TokenGrant(
        final String id,
        final byte[] sha256,
        final List<String> allow,
        final boolean mayCreate,
        final boolean admin,
        final long maxRegions,
        final long maxBytes,
        final long maxRegionSize,
        final boolean readOnly)
    {
        this.id = id;
        this.readOnly = readOnly;
        this.sha256 = sha256;
        this.allow = List.copyOf(allow);
        this.mayCreate = mayCreate && !readOnly;
        this.admin = admin;
        this.maxRegions = maxRegions;
        this.maxBytes = maxBytes;
        this.maxRegionSize = maxRegionSize;
    }

    /** @return a copy for one uid: a credential rule's quotas count per uid (usage is kept per grant). */
    TokenGrant forUid(final int uid)
    {
        return new TokenGrant(id + "@uid" + uid, sha256, allow, mayCreate, admin, maxRegions, maxBytes,
            maxRegionSize, readOnly);
    }

    boolean allows(final String regionName)
    {
        for (int i = 0, n = allow.size(); i < n; i++)
        {
            if (RegionNames.matches(allow.get(i), regionName))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString()
    {
        return "token " + id;
    }
}
