package io.zerocp.daemon;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * What the journal (format 2) keeps of a session's token: its id and a proof that this session, at this address,
 * authenticated with the token the config has under that id now. The proof is an HMAC-SHA-256, keyed by the
 * token's configured SHA-256, of the session's id, its address and the token id, cut to 16 bytes. It is no secret:
 * it cannot authenticate (AUTH needs the token itself), it does not give the hash back, and it fits only the
 * session and address it was made for. Without the config's hash nobody can make one, so a session appended to the
 * journal by someone else claims no rights at restore, and a token re-keyed under the same id while the daemon was
 * down keeps none of its old sessions. Grants without a hash (the open grant, credential rules) have an empty proof.
 * Stateless; any thread.
 */
final class GrantProof
{
    static final int LENGTH = 16;
    private static final byte[] CONTEXT = "zerocpd journal grant v2\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONE = new byte[0];

    private GrantProof()
    {
    }

    /** @return the proof of {@code grant} for this session, empty when the grant has no hash. */
    static byte[] of(final TokenGrant grant, final long sessionId, final ClientAddress address)
    {
        if (null == grant || null == grant.sha256)
        {
            return NONE;
        }
        final byte[] id = grant.id.getBytes(StandardCharsets.UTF_8);
        final byte[] where = address.bytes();
        final ByteBuffer message = ByteBuffer.allocate(CONTEXT.length + 8 + 1 + 4 + where.length + id.length);
        message.put(CONTEXT).putLong(sessionId).put((byte)(address.isAbstract() ? 1 : 0))
            .putInt(where.length).put(where).put(id);
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(grant.sha256, "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal(message.array()), LENGTH);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", ex);
        }
    }

    /** @return whether {@code proof} is {@code grant}'s for this session (constant time). */
    static boolean matches(
        final byte[] proof, final TokenGrant grant, final long sessionId, final ClientAddress address)
    {
        return null != grant.sha256 && null != proof && proof.length == LENGTH &&
            MessageDigest.isEqual(proof, of(grant, sessionId, address));
    }
}
