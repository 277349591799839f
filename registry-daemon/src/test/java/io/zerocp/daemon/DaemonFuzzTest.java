package io.zerocp.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.api.RegionNames;
import io.zerocp.daemon.testkit.ShmDirAssertions;
import io.zerocp.daemon.testkit.DatagramFuzzer;
import io.zerocp.daemon.testkit.FuzzClient;
import io.zerocp.daemon.testkit.FuzzSetup;
import io.zerocp.daemon.testkit.RawClient;
import io.zerocp.daemon.testkit.ReplyShapes;
import io.zerocp.daemon.testkit.TestDirs;
import io.zerocp.daemon.testkit.TestTokens;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 */
class DaemonFuzzTest
{
    private static final int DATAGRAMS = 20_000;

    @Test
    void everyReplyIsWellFormedAndNothingLeaksOutOfTheShmDir() throws Exception
    {
        final String admin = TestTokens.newToken();
        final String user = TestTokens.newToken();
        final long seed = System.nanoTime();
        try (TestDirs dirs = new TestDirs())
        {
            // The shm dir is nested so that anything escaping it lands in a directory no one else writes.
            final Path outer = dirs.shmDir();
            final Path shmDir = outer.resolve("shm");
            final Set<String> before = regionLikeNamesOutside();
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
                    assertEveryDynamicRegionIsHeld(fresh, seed);
                }

                try (DirectoryStream<Path> entries = Files.newDirectoryStream(outer))
                {
                    final List<String> names = new ArrayList<>();
                    entries.forEach(p -> names.add(p.getFileName().toString()));
                    assertEquals(List.of("shm"), names, "nothing next to the shm dir");
                }
                ShmDirAssertions.assertOnlyRegionFiles(shmDir);
                final Set<String> after = regionLikeNamesOutside();
                after.removeAll(before);
                assertEquals(Set.of(), after, "region files outside the shm dir");
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
    private static void assertEveryDynamicRegionIsHeld(final RawClient admin, final long seed) throws IOException
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


    /** Files named like region files where a path escaping the shm dir could put one. */
    private static Set<String> regionLikeNamesOutside() throws IOException
    {
        final Set<String> names = new HashSet<>();
        for (final Path dir : List.of(Paths.get("/dev/shm"), Paths.get("/tmp"), Paths.get("/"), Paths.get("/etc"),
            Paths.get("").toAbsolutePath()))
        {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*_shm"))
            {
                entries.forEach(p -> names.add(p.toString()));
            }
        }
        return names;
    }
}
