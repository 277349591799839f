package io.zerocp.daemon;

/**
 * One entry of {@code credentials}: who it is for (a uid, or a gid that is the sender's primary or one of its
 * supplementary groups; user and group names are resolved when the config is read) and what it grants, with the same
 * rights as a token. With {@code token} set it applies only to a session that also authenticated with that token.
 *
 * @param uid   the uid it is for, or -1.
 * @param gid   the gid it is for, or -1.
 * @param who   how the config named it, for logs ({@code uid 1001}, {@code group audio}).
 * @param token the id of a token the session must also have authenticated with, or null.
 * @param grant the rights (its quotas count per uid: every uid it matches gets its own copy).
 */
record CredentialRule(int uid, int gid, String who, String token, TokenGrant grant)
{
    boolean matches(final int senderUid, final int[] senderGroups, final TokenGrant tokenGrant)
    {
        // A rule with a token applies to sessions of that token only; a rule without one, to sessions without one.
        if (null == token ? null != tokenGrant : null == tokenGrant || !token.equals(tokenGrant.id))
        {
            return false;
        }
        if (uid >= 0)
        {
            return uid == senderUid;
        }
        for (final int g : senderGroups)
        {
            if (g == gid)
            {
                return true;
            }
        }
        return false;
    }
}
