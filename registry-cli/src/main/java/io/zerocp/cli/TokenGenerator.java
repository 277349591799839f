package io.zerocp.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Makes a new access token for zerocpd: 256 random bits from {@link SecureRandom}, written as base64url without
 * padding (43 characters, safe in a request and a shell), the SHA-256 of it in hex (what the daemon's config stores),
 * and the entry to paste into the config's {@code tokens} array. The token itself is shown once and stored nowhere.
 */
public final class TokenGenerator
{
    /** Random bytes in a token. */
    public static final int TOKEN_BYTES = 32;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SecureRandom random;

    public TokenGenerator()
    {
        this(new SecureRandom());
    }

    /** @param random the source of the token's bytes (tests pass a predictable one). */
    public TokenGenerator(final SecureRandom random)
    {
        this.random = random;
    }

    /**
     * @param id    the token's name in the config and the daemon's logs: 1 to 64 printable ASCII characters.
     * @param allow the region-name patterns it may use, e.g. {@code video_*}.
     * @return a new token with its hash and config entry.
     * @throws IllegalArgumentException when the id is not one the daemon accepts.
     */
    public NewToken generate(final String id, final List<String> allow)
    {
        if (null == id || id.isEmpty() || id.length() > 64 || !id.chars().allMatch(c -> c > ' ' && c < 0x7F))
        {
            throw new IllegalArgumentException("a token id is 1 to 64 printable ASCII characters, not '" + id + "'");
        }
        final byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        final String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return new NewToken(id, token, sha256Hex(token), List.copyOf(allow));
    }

    /** @return the SHA-256 of the token's ASCII bytes as 64 lower-case hex digits, as the config stores it. */
    public static String sha256Hex(final String token)
    {
        try
        {
            return HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is required of every JDK", ex);
        }
    }

    /**
     * A freshly made token.
     *
     * @param id     its name in the config.
     * @param token  the secret, for the client ({@code AUTH:token=...}); shown once.
     * @param sha256 its hash, for the daemon's config.
     * @param allow  the name patterns the entry grants.
     */
    public record NewToken(String id, String token, String sha256, List<String> allow)
    {
        /** @return one element for the config's {@code tokens} array, as JSON on one line. */
        public String configEntry()
        {
            final ObjectNode entry = MAPPER.createObjectNode();
            entry.put("id", id);
            entry.put("sha256", sha256);
            allow.forEach(entry.putArray("allow")::add);
            entry.put("create", true);
            entry.put("admin", false);
            try
            {
                return MAPPER.writeValueAsString(entry);
            }
            catch (final JsonProcessingException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        /** @return what {@code zerocp token} prints: the token, its hash, and the entry to paste. */
        public String describe()
        {
            return "token (give it to the client; it is not stored anywhere):\n  " + token + "\n" +
                "sha256:\n  " + sha256 + "\n" +
                "add to \"tokens\" in the zerocpd config (narrow \"allow\", add quotas as needed), then reload " +
                "with kill -HUP:\n  " + configEntry() + "\n";
        }

        /** Never the secret: records end up in logs. */
        @Override
        public String toString()
        {
            return "NewToken[id=" + id + ", sha256=" + sha256 + ", allow=" + allow + "]";
        }
    }
}
