package io.zerocp.daemon;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Maps a presented token to its grant by SHA-256, comparing every configured hash in constant time so the reply time
 * says nothing about how close a guess was.
 */
final class AccessPolicy
{
    private volatile List<TokenGrant> tokens;

    AccessPolicy(final List<TokenGrant> tokens)
    {
        this.tokens = List.copyOf(tokens);
    }

    boolean enabled()
    {
        return !tokens.isEmpty();
    }

    /** Replaces the tokens (SIGHUP reload). Sessions keep the grant they authenticated with until they end. */
    void replace(final List<TokenGrant> newTokens)
    {
        this.tokens = List.copyOf(newTokens);
    }

    List<TokenGrant> tokens()
    {
        return tokens;
    }

    /**
     * @return the grant of the token in {@code buffer[offset, offset+length)}, or {@code null}.
     */
    TokenGrant authenticate(final byte[] buffer, final int offset, final int length)
    {
        final byte[] hash = sha256(buffer, offset, length);
        TokenGrant match = null;
        for (final TokenGrant grant : tokens)
        {
            if (MessageDigest.isEqual(hash, grant.sha256) && null == match)
            {
                match = grant;
            }
        }
        return match;
    }

    static byte[] sha256(final byte[] buffer, final int offset, final int length)
    {
        try
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(buffer, offset, length);
            return digest.digest();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is required of every JDK", ex);
        }
    }
}
