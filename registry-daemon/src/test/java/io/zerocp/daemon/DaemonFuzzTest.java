package io.zerocp.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.testkit.ShmDirAssertions;
import io.zerocp.testkit.DatagramFuzzer;
import io.zerocp.testkit.FuzzClient;
import io.zerocp.testkit.FuzzSetup;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.ReplyShapes;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pushes 20,000 random and mutated datagrams through the real socket from three clients (an admin token, a token
 * limited to {@code app_*}, no token) and checks that every reply is well formed, that the client without a token
 * never gets more than PONG or a refusal, that the daemon still answers, and that no file appears outside its shm
 * directory.
 * <p>
 * The seed is fixed, so a run is repeatable; it is printed, and {@code -Dzerocp.fuzz.seed=N} runs another. Only
 * directories the test made are looked at for escaped files: the shm dir sits {@value #NESTING} levels deep in one, so
 * a name that climbs out lands where no one else writes, and every region the daemon lists must be in the shm dir.
 */
class DaemonFuzzTest
{
    private static final int DATAGRAMS = 20_000;
    private static final long DEFAULT_SEED = 0x2EE0_F022L;
    private static final int NESTING = 4;

    @Test
    void everyReplyIsWellFormedAndNothingLeaksOutOfTheShmDir() throws Exception
    {
        final String admin = TestTokens.newToken();
        final String user = TestTokens.newToken();
        final long seed = Long.getLong("zerocp.fuzz.seed", DEFAULT_SEED);
        System.out.printf("fuzz seed %d (rerun with -Dzerocp.fuzz.seed=%d)%n", seed, seed);
        try (TestDirs dirs = new TestDirs())
        {
            // The shm dir is nested so that anything escaping it lands in a directory no one else writes.
            final Path outer = dirs.shmDir();
            final List<Path> owned = new ArrayList<>(List.of(dirs.socketDir(), outer));
            Path shmDir = outer;
            for (int level = 0; level < NESTING; level++)
            {
                shmDir = shmDir.resolve(level == NESTING - 1 ? "shm" : "l" + level);
                if (level < NESTING - 1)
                {
                    owned.add(shmDir);
                }
            }
            Files.createDirectories(shmDir.getParent());
            final DaemonConfig config = ConfigLoader.parse(FuzzSetup.config(admin, user),
                new ConfigLoader.Overrides(dirs.socket(), shmDir, null, null, null, null, null, null));
            final long pid = ProcessHandle.current().pid();
            try (Daemon daemon = Daemon.start(config);
                FuzzClient adminClient = new FuzzClient(dirs.socket(), shmDir,
                    new DatagramFuzzer(seed, FuzzSetup.corpus(admin, pid)), null, admin);
                FuzzClient userClient = new FuzzClient(dirs.socket(), shmDir,
                    new DatagramFuzzer(seed + 1, FuzzSetup.corpus(user, pid)), null, user);
                FuzzClient outsider = new FuzzClient(dirs.socket(), shmDir,
                    new DatagramFuzzer(seed + 2, FuzzSetup.corpus(null, pid)), FuzzSetup.OUTSIDER_SHAPES, null))
            {
                assertEquals("OK", adminClient.raw().ask("AUTH:token=" + admin));
                assertEquals("OK", userClient.raw().ask("AUTH:token=" + user));
                final List<FuzzClient> clients = List.of(adminClient, userClient, outsider);
                final long start = System.nanoTime();
                for (int i = 0; clients.stream().mapToLong(FuzzClient::sent).sum() < DATAGRAMS; i++)
                {
                    final FuzzClient client = clients.get(i % clients.size());
                    client.step();
                    if (client.violationCount() > 10)
                    {
                        break; // enough to show; a daemon that stopped answering costs 5 s a datagram
                    }
                }
                final long elapsedMs = (System.nanoTime() - start) / 1_000_000;

                final TreeMap<String, Long> all = new TreeMap<>();
                clients.forEach(c -> c.shapes().forEach((k, v) -> all.merge(k, v, Long::sum)));
                final long sent = clients.stream().mapToLong(FuzzClient::sent).sum();
                System.out.printf("fuzz seed %d: %d datagrams in %d ms; replies %s; outsider %s%n",
                    seed, sent, elapsedMs, all, outsider.shapes());

                for (final FuzzClient client : clients)
                {
                    assertEquals(0, client.violationCount(), "seed " + seed + ": " + client.violations());
                }
                assertTrue(all.getOrDefault(ReplyShapes.PATH, 0L) > 0, "the fuzz reached region creation: " + all);
                assertTrue(all.getOrDefault("ERROR: Invalid name", 0L) > 0, all::toString);

                try (RawClient fresh = new RawClient(dirs.socket()))
                {
                    assertEquals("PONG", fresh.ask("PING"), "the daemon still answers");
                    assertEquals("OK", fresh.ask("AUTH:token=" + admin));
                    assertEquals(shmDir.resolve("app_after_shm").toString(), fresh.ask("GET_SHM_PATH:app_after"));
                    assertEveryDynamicRegionIsHeldAndInTheShmDir(fresh, seed, shmDir);
                }

                for (int i = 1; i < owned.size(); i++)
                {
                    final Path dir = owned.get(i);
                    final Path inside = i + 1 < owned.size() ? owned.get(i + 1) : shmDir;
                    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
                    {
                        final List<String> names = new ArrayList<>();
                        entries.forEach(p -> names.add(p.getFileName().toString()));
                        assertEquals(List.of(inside.getFileName().toString()), names, "nothing next to " + inside);
                    }
                }
                ShmDirAssertions.assertOnlyRegionFiles(shmDir);
                assertEquals(Set.of(), regionLikeNames(owned), "region files outside the shm dir");
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(dirs.socketDir()))
                {
                    entries.forEach(p -> assertTrue(p.getFileName().toString().startsWith("d.sock"), p.toString()));
                }
            }
        }
    }

    /**
     * With {@code linger-ms} 0 a dynamic region goes with its last hold, so one without holders was created for a
     * request that then failed: it would never be reaped nor count against any quota.
     */
    private static void assertEveryDynamicRegionIsHeldAndInTheShmDir(
        final RawClient admin, final long seed, final Path shmDir) throws IOException
    {
        final ObjectMapper mapper = new ObjectMapper();
        final List<String> orphans = new ArrayList<>();
        int regions = 0;
        JsonNode page = mapper.readTree(admin.ask("LIST"));
        while (true)
        {
            for (final JsonNode region : page.get("regions"))
            {
                regions++;
                assertEquals(shmDir, Paths.get(region.get("path").asText()).getParent(), region.toString());
                if (!region.get("static").asBoolean() && region.get("holders").isEmpty())
                {
                    orphans.add(region.get("name").asText());
                }
            }
            if (page.get("next").isNull())
            {
                break;
            }
            page = mapper.readTree(admin.ask("LIST:offset=" + page.get("next").asInt()));
        }
        assertTrue(regions >= 3, "LIST shows the regions");
        assertEquals(List.of(), orphans, "seed " + seed + ": regions nobody holds");
    }


    /** Files named like region files in the test's own directories outside the shm dir. */
    private static Set<String> regionLikeNames(final List<Path> dirs) throws IOException
    {
        final Set<String> names = new HashSet<>();
        for (final Path dir : dirs)
        {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*_shm"))
            {
                entries.forEach(p -> names.add(p.toString()));
            }
        }
        return names;
    }
}
