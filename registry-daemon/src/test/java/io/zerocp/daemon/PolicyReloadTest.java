package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TestTokens;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reloading the token policy (SIGHUP) keeps sessions: rights follow the token's new entry, a removed or re-keyed
 * token must authenticate again, and a bad config changes nothing.
 */
class PolicyReloadTest
{
    private static final String UNAUTHORIZED = "ERROR: Unauthorized";

    private final String audio = TestTokens.newToken();
    private final String video = TestTokens.newToken();

    @Test
    void reloadKeepsSessionsMovesQuotasAndRevokesRemovedTokens() throws Exception
    {
        final String before = "{\"tokens\": [" +
            TestTokens.entry("audio", audio, "\"allow\": [\"audio_*\"], \"max-regions\": 2") + ", " +
            TestTokens.entry("video", video, "\"allow\": [\"video_*\"]") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(before);
            RawClient audioClient = new RawClient(daemon.socket());
            RawClient videoClient = new RawClient(daemon.socket()))
        {
            assertEquals("OK", audioClient.ask("AUTH:token=" + audio));
            assertEquals(daemon.regionFile("audio_a").toString(), audioClient.ask("GET_SHM_PATH:audio_a"));
            assertEquals("ERROR: Forbidden", audioClient.ask("GET_SHM_PATH:video_a"));
            assertEquals("OK", videoClient.ask("AUTH:token=" + video));
            assertEquals(daemon.regionFile("video_v").toString(), videoClient.ask("GET_SHM_PATH:video_v"));

            // audio may now also use video_* but still holds at most 2; video is gone.
            final String after = "{\"tokens\": [" +
                TestTokens.entry("audio", audio, "\"allow\": [\"audio_*\", \"video_*\"], \"max-regions\": 2") + "]}";
            daemon.daemon().reloadTokens(ConfigLoader.parse(after, ConfigLoader.Overrides.none()));

            await().atMost(Duration.ofSeconds(10)).until(() -> UNAUTHORIZED.equals(videoClient.ask("GET_SHM_SIZE:video_v")));
            assertEquals(daemon.regionFile("video_b").toString(), audioClient.ask("GET_SHM_PATH:video_b"),
                "the session kept going under the new rights, without a new AUTH");
            assertEquals("ERROR: Quota exceeded", audioClient.ask("GET_SHM_PATH:audio_c"),
                "the holds made before the reload still count");
            assertTrue(Files.exists(daemon.regionFile("audio_a")));
            assertTrue(Files.exists(daemon.regionFile("video_v")), "a revoked session keeps its lease and holds");
            assertEquals(UNAUTHORIZED, videoClient.ask("AUTH:token=" + video));
        }
    }

    @Test
    void aRevokedSessionThatKeepsTalkingStillRunsOutAndLosesItsHolds() throws Exception
    {
        final String before = "{\"lease-ttl-ms\": 500, \"linger-ms\": 0, \"tokens\": [" +
            TestTokens.entry("video", video, "\"allow\": [\"video_*\"]") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(before);
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + video));
            assertEquals(daemon.regionFile("video_r").toString(), client.ask("GET_SHM_PATH:video_r"));
            daemon.daemon().reloadTokens(ConfigLoader.parse("{\"tokens\": [" +
                TestTokens.entry("other", audio, "\"allow\": [\"*\"]") + "]}", ConfigLoader.Overrides.none()));

            // A heartbeat that goes on after the revocation must not keep the lease: only authenticated requests renew.
            await().atMost(Duration.ofSeconds(15)).until(() ->
            {
                assertEquals("PONG", client.ask("PING"));
                assertEquals(UNAUTHORIZED, client.ask("RENEW"));
                return !Files.exists(daemon.regionFile("video_r"));
            });
        }
    }

    @Test
    void reloadWithANewHashRevokesAndWithNoTokensOpens() throws Exception
    {
        final String before = "{\"tokens\": [" + TestTokens.entry("audio", audio, "\"allow\": [\"audio_*\"]") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(before);
            RawClient client = new RawClient(daemon.socket());
            RawClient outsider = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            final String rekeyed = "{\"tokens\": [" + TestTokens.entry("audio", video, "\"allow\": [\"audio_*\"]") + "]}";
            daemon.daemon().reloadTokens(ConfigLoader.parse(rekeyed, ConfigLoader.Overrides.none()));
            await().atMost(Duration.ofSeconds(10)).until(() -> UNAUTHORIZED.equals(client.ask("GET_SHM_PATH:audio_a")));
            assertEquals(UNAUTHORIZED, client.ask("AUTH:token=" + audio));
            assertEquals("OK", client.ask("AUTH:token=" + video));

            daemon.daemon().reloadTokens(ConfigLoader.parse("{}", ConfigLoader.Overrides.none()));
            await().atMost(Duration.ofSeconds(10))
                .until(() -> daemon.regionFile("anything").toString().equals(outsider.ask("GET_SHM_PATH:anything")));
        }
    }

    @Test
    void sighupReloadsTheConfigFileAndABadOneIsIgnored() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path config = dirs.socketDir().resolve("zerocpd.json");
            Files.writeString(config, "{\"tokens\": [" +
                TestTokens.entry("audio", audio, "\"allow\": [\"audio_*\"]") + "]}");
            final Path shmDir = dirs.shmDir();
            try (ChildJvm zerocpd = ChildJvm.start(Zerocpd.class, "--config", config.toString(),
                "--socket", dirs.socket().toString(), "--shm-dir", shmDir.toString());
                RawClient client = new RawClient(dirs.socket(), dirs.socket("c"));
                RawClient videoClient = new RawClient(dirs.socket(), dirs.socket("v")))
            {
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> "PONG".equals(client.ask("PING")));
                assertEquals("OK", client.ask("AUTH:token=" + audio));
                assertEquals(shmDir.resolve("audio_a_shm").toString(), client.ask("GET_SHM_PATH:audio_a"));
                assertEquals("ERROR: Forbidden", client.ask("GET_SHM_PATH:video_a"));
                assertEquals(UNAUTHORIZED, videoClient.ask("AUTH:token=" + video));

                Files.writeString(config, "{\"tokens\": [" +
                    TestTokens.entry("audio", audio, "\"allow\": [\"audio_*\", \"video_*\"]") + ", " +
                    TestTokens.entry("video", video, "\"allow\": [\"video_*\"]") + "]}");
                hangUp(zerocpd);
                final String[] last = new String[1];
                try
                {
                    await().atMost(Duration.ofSeconds(30)).until(() -> shmDir.resolve("video_a_shm").toString()
                        .equals(last[0] = client.ask("GET_SHM_PATH:video_a")));
                }
                catch (final ConditionTimeoutException ex)
                {
                    throw new AssertionError("no reload after SIGHUP; last reply " + last[0] + "; zerocpd printed:\n" +
                        zerocpd.output(), ex);
                }
                assertEquals(shmDir.resolve("audio_a_shm").toString(), client.ask("GET_SHM_PATH:audio_a"),
                    "same session, no new AUTH");
                assertEquals("OK", videoClient.ask("AUTH:token=" + video));

                Files.writeString(config, "{\"tokens\": [{\"id\": \"x\", \"sha256\": \"not-hex\"}], \"bogus\": 1}");
                hangUp(zerocpd);
                await().atMost(Duration.ofSeconds(30)).until(() -> zerocpd.printed("kept the current token policy"));
                assertEquals(shmDir.resolve("video_a_shm").toString(), client.ask("GET_SHM_PATH:video_a"));
                assertEquals(shmDir.resolve("video_v_shm").toString(), videoClient.ask("GET_SHM_PATH:video_v"));
                assertEquals("PONG", client.ask("PING"));
                assertTrue(zerocpd.process().isAlive(), zerocpd.output());

                assertTrue(zerocpd.printed("unknown key 'bogus'"), zerocpd.output());

                zerocpd.process().destroy(); // SIGTERM: the shutdown hook stops the daemon; the JVM exits 128 + 15
                assertEquals(0, zerocpd.waitFor(30, TimeUnit.SECONDS), zerocpd.output()); // SIGTERM is a clean stop
                assertTrue(zerocpd.printed("zerocpd stopped"), zerocpd.output());
            }
        }
    }

    @Test
    void aReloadReadsOnlyARegularFileOfBoundedSizeAndKeepsThePolicyOtherwise() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path config = dirs.socketDir().resolve("zerocpd.json");
            Files.writeString(config, "{\"tokens\": [" +
                TestTokens.entry("audio", audio, "\"allow\": [\"audio_*\"]") + "]}");
            final Path shmDir = dirs.shmDir();
            try (ChildJvm zerocpd = ChildJvm.start(Zerocpd.class, "--config", config.toString(),
                "--socket", dirs.socket().toString(), "--shm-dir", shmDir.toString());
                RawClient client = new RawClient(dirs.socket(), dirs.socket("c")))
            {
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> "PONG".equals(client.ask("PING")));
                assertEquals("OK", client.ask("AUTH:token=" + audio));
                final long rssBefore = residentKiB(zerocpd.pid());

                // A link to /dev/zero: refused by what it is, not read until memory runs out.
                Files.delete(config);
                Files.createSymbolicLink(config, Path.of("/dev/zero"));
                hangUp(zerocpd);
                awaitRefusals(zerocpd, 1, "is a device, FIFO or socket");
                final long rssAfter = residentKiB(zerocpd.pid());
                assertTrue(rssAfter - rssBefore < 128 * 1024, "grew from " + rssBefore + " to " + rssAfter + " KiB");

                // A FIFO nobody writes: refused at once, no reload thread left waiting on it.
                Files.delete(config);
                final Process mkfifo = new ProcessBuilder("mkfifo", config.toString()).inheritIO().start();
                assertEquals(0, mkfifo.waitFor());
                hangUp(zerocpd);
                awaitRefusals(zerocpd, 2, "is a device, FIFO or socket");

                // A directory, and a regular file over the bound.
                Files.delete(config);
                Files.createDirectory(config);
                hangUp(zerocpd);
                awaitRefusals(zerocpd, 3, "is a directory");
                Files.delete(config);
                Files.write(config, new byte[ConfigLoader.MAX_CONFIG_BYTES + 1]);
                hangUp(zerocpd);
                awaitRefusals(zerocpd, 4, "is larger than " + ConfigLoader.MAX_CONFIG_BYTES + " bytes");

                assertEquals(shmDir.resolve("audio_a_shm").toString(), client.ask("GET_SHM_PATH:audio_a"),
                    "the policy and the session were kept");
                assertTrue(zerocpd.process().isAlive(), zerocpd.output());
            }
        }
    }

    /** Waits until zerocpd has logged {@code count} kept policies, the last one saying {@code why}. */
    private static void awaitRefusals(final ChildJvm zerocpd, final int count, final String why)
    {
        try
        {
            await().atMost(Duration.ofSeconds(60)).until(() ->
                zerocpd.output().split("kept the current token policy", -1).length - 1 >= count);
        }
        catch (final ConditionTimeoutException ex)
        {
            throw new AssertionError("no refusal #" + count + " (" + why + "); zerocpd printed:\n" +
                zerocpd.output(), ex);
        }
        final String[] lines = zerocpd.output().split("\n");
        String last = "";
        for (final String line : lines)
        {
            if (line.contains("kept the current token policy"))
            {
                last = line;
            }
        }
        assertTrue(last.contains(why), last);
    }

    private static long residentKiB(final long pid) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    private static void hangUp(final ChildJvm child)
    {
        try
        {
            final Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(child.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
