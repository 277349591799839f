package io.zerocp.testkit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Tokens for tests: fresh random secrets and their SHA-256 in hex, as the {@code tokens} config entries want them.
 */
public final class TestTokens
{
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestTokens()
    {
    }

    /** @return a fresh random token (32 bytes, base64url without padding). */
    public static String newToken()
    {
        final byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String sha256Hex(final String token)
    {
        try
        {
            return HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @param extra more JSON members for the entry, e.g. {@code "allow": ["audio_*"], "max-regions": 2}, or empty.
     * @return one element of the config's {@code tokens} array.
     */
    public static String entry(final String id, final String token, final String extra)
    {
        return "{\"id\": \"" + id + "\", \"sha256\": \"" + sha256Hex(token) + "\"" +
            (extra.isEmpty() ? "" : ", " + extra) + "}";
    }
}
