package io.zerocp.daemon;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal (format 2) names a session's token by its id and a {@link GrantProof}, never by the token's hash; at
 * restore the current config decides: a session someone wrote into the journal under a token's id, with the hash or
 * any other bytes, gets nothing, and a format 1 journal (which stored the hash) restores by token id alone.
 */
class JournalGrantTest
{
    private static final ProcessProbe PROBE = pid -> ProcessProbe.DEAD;
    private static final TokenGrant GAMMA = token("gamma", true);
    private static final TokenGrant DELTA = token("delta", false);

    private TestDirs dirs;
    private int trial;

    @BeforeEach
    void setUp()
    {
        dirs = new TestDirs();
    }

    @AfterEach
    void tearDown()
    {
        dirs.close();
    }

    @Test
    void theJournalHoldsNoTokenHashAndAForgedSessionGetsNothing() throws IOException
    {
        final byte[] journal = recordSessions();
        assertFalse(contains(journal, GAMMA.sha256), "the admin token's hash is not in the journal");
        assertFalse(contains(journal, DELTA.sha256), "nor the other token's");
        assertEquals(JournalCodec.VERSION, ByteBuffer.wrap(journal).getInt(4));

        // Someone who could write the journal: the admin token's id with its hash (what format 1 kept), with the
        // proof of another session, and with random bytes of a proof's length.
        byte[] forged = JournalForgery.withSession(journal, 100, bytes("forged_hash"), true, "gamma", GAMMA.sha256);
        forged = JournalForgery.withSession(forged, 101, bytes("forged_copy"), true, "gamma",
            GrantProof.of(GAMMA, 1, ClientAddress.ofAbstract("admin")));
        final byte[] random = new byte[GrantProof.LENGTH];
        new SecureRandom().nextBytes(random);
        forged = JournalForgery.withSession(forged, 102, bytes("forged_random"), true, "gamma", random);

        final String state = restore(forged, List.of(GAMMA, DELTA));
        assertTrue(state.contains("@admin pid=0 grant=gamma"), state);
        assertTrue(state.contains("@user pid=0 grant=delta"), state);
        assertTrue(state.contains("@forged_hash pid=0 grant=-"), state);
        assertTrue(state.contains("@forged_copy pid=0 grant=-"), state);
        assertTrue(state.contains("@forged_random pid=0 grant=-"), state);
    }

    @Test
    void aTokenReKeyedOrRemovedWhileTheDaemonWasDownKeepsNoSession() throws IOException
    {
        final byte[] journal = recordSessions();
        final TokenGrant rekeyed = token("gamma", true);
        final String state = restore(journal, List.of(rekeyed));
        assertTrue(state.contains("@admin pid=0 grant=-"), state);
        assertTrue(state.contains("@user pid=0 grant=-"), state);
    }

    @Test
    void aFormatOneJournalRestoresByTokenIdAloneAndIsRewrittenWithoutHashes() throws IOException
    {
        // Format 1 laid records out the same way, with the token's SHA-256 where format 2 has the proof.
        final byte[] v1 = recordSessions(false);
        ByteBuffer.wrap(v1).putInt(4, 1);
        byte[] old = JournalForgery.withSession(v1, 100, bytes("old_admin"), true, "gamma", GAMMA.sha256);
        old = JournalForgery.withSession(old, 101, bytes("old_gone"), true, "epsilon", new byte[32]);

        final Path stateDir = nextStateDir();
        Files.createDirectories(stateDir);
        Files.write(stateDir.resolve(StateJournal.FILE_NAME), old);
        try (JournaledRegistry restored = new JournaledRegistry(dirs.shmDir(), stateDir, PROBE, List.of(GAMMA)))
        {
            final String state = restored.state();
            assertTrue(state.contains("@old_admin pid=0 grant=gamma"), state);
            assertTrue(state.contains("@old_gone pid=0 grant=-"), "an id the config does not have: " + state);
            final byte[] rewritten = restored.journalBytes();
            assertEquals(JournalCodec.VERSION, ByteBuffer.wrap(rewritten).getInt(4), "migrated at start");
            assertFalse(contains(rewritten, GAMMA.sha256), "no hash after the migration");
        }
        // And the migrated journal proves the grant it kept.
        try (JournaledRegistry again = new JournaledRegistry(dirs.shmDir(), stateDir, PROBE, List.of(GAMMA)))
        {
            assertTrue(again.state().contains("@old_admin pid=0 grant=gamma"), again.state());
        }
    }

    private byte[] recordSessions() throws IOException
    {
        return recordSessions(true);
    }

    private byte[] recordSessions(final boolean withGrants) throws IOException
    {
        final Path stateDir = nextStateDir();
        try (JournaledRegistry live = new JournaledRegistry(dirs.shmDir(), stateDir, PROBE, List.of(GAMMA, DELTA)))
        {
            final Session admin = live.registry.startSession(ClientAddress.ofAbstract("admin"));
            final Session user = live.registry.startSession(ClientAddress.ofAbstract("user"));
            if (withGrants)
            {
                live.registry.grant(admin, GAMMA);
                live.registry.grant(user, DELTA);
            }
        }
        return Files.readAllBytes(stateDir.resolve(StateJournal.FILE_NAME));
    }

    private String restore(final byte[] journal, final List<TokenGrant> tokens) throws IOException
    {
        final Path stateDir = nextStateDir();
        Files.createDirectories(stateDir);
        Files.write(stateDir.resolve(StateJournal.FILE_NAME), journal);
        try (JournaledRegistry restored = new JournaledRegistry(dirs.shmDir(), stateDir, PROBE, tokens))
        {
            return restored.state();
        }
    }

    private Path nextStateDir()
    {
        return dirs.shmDir().resolve(".state-" + trial++);
    }

    private static TokenGrant token(final String id, final boolean admin)
    {
        final byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        return new TokenGrant(id, hash, List.of("*"), true, admin, 1000, 1L << 40, 1L << 30);
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean contains(final byte[] haystack, final byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
