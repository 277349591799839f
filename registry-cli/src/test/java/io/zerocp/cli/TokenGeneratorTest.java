package io.zerocp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.testkit.RawClient;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenGeneratorTest
{
    /** Hands out 0, 1, 2, ... so the encoding can be checked byte for byte. */
    private static final class CountingRandom extends SecureRandom
    {
        private static final long serialVersionUID = 1L;

        @Override
        public void nextBytes(final byte[] bytes)
        {
            for (int i = 0; i < bytes.length; i++)
            {
                bytes[i] = (byte)i;
            }
        }
    }

    @Test
    void tokenIs256BitsOfBase64UrlWithoutPaddingAndItsHashIsSha256() throws Exception
    {
        final TokenGenerator.NewToken token = new TokenGenerator(new CountingRandom()).generate("cam", List.of("cam_*"));
        assertEquals("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", token.token());
        final byte[] expected = new byte[32];
        for (int i = 0; i < expected.length; i++)
        {
            expected[i] = (byte)i;
        }
        assertArrayEquals(expected, Base64.getUrlDecoder().decode(token.token()));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest(token.token().getBytes(StandardCharsets.US_ASCII))), token.sha256());
        assertEquals(64, token.sha256().length());
    }

    @Test
    void realTokensAreRandomAndUseOnlyUrlSafeCharacters()
    {
        final TokenGenerator generator = new TokenGenerator();
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++)
        {
            final String token = generator.generate("t", List.of("*")).token();
            assertEquals(43, token.length());
            assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
            assertTrue(seen.add(token), "repeated token " + token);
        }
    }

    @Test
    void configEntryIsValidJsonEvenForAnAwkwardId() throws Exception
    {
        final TokenGenerator.NewToken token = new TokenGenerator().generate("a\"b\\c", List.of("video_*", "audio_*"));
        final JsonNode entry = new ObjectMapper().readTree(token.configEntry());
        assertEquals("a\"b\\c", entry.get("id").asText());
        assertEquals(token.sha256(), entry.get("sha256").asText());
        assertEquals("[\"video_*\",\"audio_*\"]", entry.get("allow").toString());
        assertFalse(token.configEntry().contains(token.token()), "the config holds the hash, never the token");
        assertFalse(token.toString().contains(token.token()), "toString never shows the token");
        assertTrue(token.describe().contains(token.token()) && token.describe().contains(token.configEntry()));
    }

    @Test
    void rejectsIdsTheDaemonWouldRefuse()
    {
        final TokenGenerator generator = new TokenGenerator();
        for (final String id : new String[] {"", "has space", "x".repeat(65), "tab\t", "caf\u00e9", null})
        {
            assertThrows(IllegalArgumentException.class, () -> generator.generate(id, List.of("*")), "" + id);
        }
    }

    @Test
    void daemonConfiguredWithTheEntryAcceptsTheToken()
    {
        final TokenGenerator.NewToken token = new TokenGenerator().generate("cli-test", List.of("cli_*"));
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"tokens\": [" + token.configEntry() + "]}");
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("ERROR: Unauthorized", client.ask("AUTH:token=" + token.token().substring(1)));
            assertEquals("OK", client.ask("AUTH:token=" + token.token()));
            assertEquals(daemon.regionFile("cli_x").toString(), client.ask("GET_SHM_PATH:cli_x"));
            assertEquals("ERROR: Forbidden", client.ask("GET_SHM_PATH:other"));
        }
    }
}
