package io.zerocp.daemon;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Authentication, authorization and quotas through the real socket: who gets what with which token.
 */
class AuthorizationTest
{
    private static final String UNAUTHORIZED = "ERROR: Unauthorized";
    private static final String FORBIDDEN = "ERROR: Forbidden";
    private static final String QUOTA = "ERROR: Quota exceeded";
    private static final String TOO_MANY = "ERROR: Too many requests";
    private static final String ALL = "\"allow\": [\"*\"]";

    private final String audio = TestTokens.newToken();
    private final String video = TestTokens.newToken();

    private String twoTokens(final String audioExtra)
    {
        return "{\"tokens\": [" +
            TestTokens.entry("audio", audio, "\"allow\": [\"audio_*\"]" + audioExtra) + ", " +
            TestTokens.entry("video", video, "\"allow\": [\"video_*\"]") + "]}";
    }

    @Test
    void clientWithoutTokenGetsNothingButPong() throws IOException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""));
            RawClient client = new RawClient(daemon.socket()))
        {
            final List<String> requests = List.of(
                "GET_SHM_PATH", "GET_SHM_SIZE", "GET_SHM_PATH\n", "GET_SHM_PATH:audio_x", "GET_SHM_PATH:audio_x,size=8192",
                "GET_SHM_SIZE:audio_x", "GET_SHM_SIZE:zero_copy_framework", "GET_SHM_FD:audio_x",
                "GET_SHM_FD:audio_x,mode=ro", "REGISTER:process_id=" + ProcessHandle.current().pid(), "RENEW",
                "RELEASE", "RELEASE:audio_x", "LIST", "CLIENTS", "STATS", "DELETE:audio_x", "NOPE", "\0",
                "GET_SHM_PATH:../etc", "ping", "x".repeat(2000));
            for (final String request : requests)
            {
                assertEquals(UNAUTHORIZED, client.ask(request), request.length() > 40 ? request.substring(0, 40) : request);
            }
            assertEquals("PONG", client.ask("PING"));
            assertEquals(UNAUTHORIZED, client.ask("AUTH:token=not-the-token"));
            assertEquals(List.of(".zerocpd", "zero_copy_framework_shm"), list(daemon.shmDir()),
                "an unauthenticated client created nothing");
        }
    }

    @Test
    void authSucceedsWithTheTokenAndFailsWithout()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals(UNAUTHORIZED, client.ask("AUTH:token=" + audio + "x"));
            assertEquals(UNAUTHORIZED, client.ask("GET_SHM_PATH:audio_x"));
            assertEquals("ERROR: Invalid argument", client.ask("AUTH:token="), "malformed AUTH");
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            assertEquals(daemon.regionFile("audio_x").toString(), client.ask("GET_SHM_PATH:audio_x"));
            assertTrue(Files.isRegularFile(daemon.regionFile("audio_x")));
        }
    }

    @Test
    void authIsOpenWhenNoTokensAreConfigured()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{}");
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals(daemon.regionFile("anything").toString(), client.ask("GET_SHM_PATH:anything"));
            assertEquals("OK", client.ask("AUTH:token=whatever"));
        }
    }

    @Test
    void tokenLimitedToAudioCannotTouchVideo() throws IOException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""));
            RawClient videoClient = new RawClient(daemon.socket());
            RawClient audioClient = new RawClient(daemon.socket()))
        {
            assertEquals("OK", videoClient.ask("AUTH:token=" + video));
            assertEquals(daemon.regionFile("video_frames").toString(), videoClient.ask("GET_SHM_PATH:video_frames"));
            final byte[] before = Files.readAllBytes(daemon.regionFile("video_frames"));

            assertEquals("OK", audioClient.ask("AUTH:token=" + audio));
            for (final String request : List.of("GET_SHM_PATH:video_frames", "GET_SHM_PATH:video_frames,size=4096",
                "GET_SHM_SIZE:video_frames", "GET_SHM_FD:video_frames", "GET_SHM_FD:video_frames,mode=ro",
                "GET_SHM_SIZE:video_missing", "GET_SHM_PATH:video_new", "GET_SHM_PATH", "GET_SHM_SIZE",
                "DELETE:video_frames", "LIST", "STATS"))
            {
                assertEquals(FORBIDDEN, audioClient.ask(request), request);
            }
            assertEquals("OK", audioClient.ask("RELEASE:video_frames"), "a release of a name not held is a no-op");
            assertEquals(daemon.regionFile("audio_x").toString(), audioClient.ask("GET_SHM_PATH:audio_x"));

            assertFalse(Files.exists(daemon.regionFile("video_new")));
            assertArrayEquals(before, Files.readAllBytes(daemon.regionFile("video_frames")));
            assertEquals("4096", videoClient.ask("GET_SHM_SIZE:video_frames"), "the owner still holds it");
        }
    }

    @Test
    void tokenWithoutCreateOpensButDoesNotCreate()
    {
        final String reader = TestTokens.newToken();
        final String json = "{\"tokens\": [" +
            TestTokens.entry("writer", video, "\"allow\": [\"shared_*\"]") + ", " +
            TestTokens.entry("reader", reader, "\"allow\": [\"shared_*\"], \"create\": false") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json);
            RawClient writer = new RawClient(daemon.socket());
            RawClient readerClient = new RawClient(daemon.socket()))
        {
            assertEquals("OK", writer.ask("AUTH:token=" + video));
            assertEquals(daemon.regionFile("shared_a").toString(), writer.ask("GET_SHM_PATH:shared_a"));

            assertEquals("OK", readerClient.ask("AUTH:token=" + reader));
            assertEquals(daemon.regionFile("shared_a").toString(), readerClient.ask("GET_SHM_PATH:shared_a"));
            assertEquals("4096", readerClient.ask("GET_SHM_SIZE:shared_a"));
            assertEquals("ERROR: No such region", readerClient.ask("GET_SHM_PATH:shared_new"));
            assertEquals("ERROR: No such region", readerClient.ask("GET_SHM_FD:shared_new,size=8192"));
            assertFalse(Files.exists(daemon.regionFile("shared_new")));
        }
    }

    @Test
    void aPrivateNameAskedByPathCreatesNothingAndCostsNoQuota() throws IOException
    {
        final String json = "{\"private-regions\": [\"q_private*\"], \"tokens\": [" +
            TestTokens.entry("q", audio, "\"allow\": [\"q_*\"], \"max-regions\": 1") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json);
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            for (int i = 0; i < 5; i++)
            {
                assertEquals(FORBIDDEN, client.ask("GET_SHM_PATH:q_private" + i));
                assertEquals(FORBIDDEN, client.ask("GET_SHM_PATH:q_private" + i + ",size=65536"));
                assertFalse(Files.exists(daemon.regionFile("q_private" + i)), "created by a refused request");
            }
            assertEquals("ERROR: No such region", client.ask("GET_SHM_SIZE:q_private0"));
            assertEquals("4096", client.ask("GET_SHM_FD:q_private0"), "the descriptor route still works");
            assertEquals(FORBIDDEN, client.ask("GET_SHM_PATH:q_private0"), "and the path route stays shut");
            assertEquals(List.of(".zerocpd", "q_private0_shm", "zero_copy_framework_shm"), list(daemon.shmDir()));
        }
    }

    @Test
    void quotasHoldAndAReleaseFreesQuota()
    {
        final String json = "{\"tokens\": [" + TestTokens.entry("q", audio,
            "\"allow\": [\"q_*\"], \"max-regions\": 2, \"max-bytes\": 12288, \"max-region-size\": 8192") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json);
            RawClient client = new RawClient(daemon.socket());
            RawClient sameToken = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            assertEquals(QUOTA, client.ask("GET_SHM_PATH:q_big,size=16384"), "max-region-size");
            assertFalse(Files.exists(daemon.regionFile("q_big")));

            assertEquals(daemon.regionFile("q_a").toString(), client.ask("GET_SHM_PATH:q_a"));
            assertEquals(daemon.regionFile("q_b").toString(), client.ask("GET_SHM_PATH:q_b,size=8192"));
            assertEquals(daemon.regionFile("q_a").toString(), client.ask("GET_SHM_PATH:q_a"), "a held region again");
            assertEquals(QUOTA, client.ask("GET_SHM_PATH:q_c"), "max-regions");
            assertFalse(Files.exists(daemon.regionFile("q_c")));

            assertEquals("OK", sameToken.ask("AUTH:token=" + audio));
            assertEquals(QUOTA, sameToken.ask("GET_SHM_PATH:q_c"), "quotas are per token, not per client");

            assertEquals("OK", client.ask("RELEASE:q_a"));
            assertEquals(daemon.regionFile("q_c").toString(), client.ask("GET_SHM_PATH:q_c"), "the release freed one");

            assertEquals("OK", client.ask("RELEASE:q_c"));
            assertEquals(QUOTA, client.ask("GET_SHM_PATH:q_d,size=8192"), "max-bytes: 8192 + 8192 > 12288");
            assertEquals(daemon.regionFile("q_d").toString(), client.ask("GET_SHM_PATH:q_d,size=4096"));

            assertEquals("OK", client.ask("RELEASE"), "ending the lease frees everything");
            assertEquals(daemon.regionFile("q_e").toString(), sameToken.ask("GET_SHM_PATH:q_e,size=8192"));
        }
    }

    /** Address-only identity (junixsocket); per uid on the native transport: KernelIdentityTest. */
    @Test
    void failedAuthIsRateLimitedPerSenderAndGlobally()
    {
        final String json = "{\"auth-failures-per-sender\": 3, \"auth-failures-global\": 5, " +
            "\"auth-failure-window-ms\": 600000, \"tokens\": [" + TestTokens.entry("a", audio, ALL) + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json, TransportKind.JUNIXSOCKET);
            RawClient a = new RawClient(daemon.socket());
            RawClient b = new RawClient(daemon.socket());
            RawClient c = new RawClient(daemon.socket()))
        {
            for (int i = 0; i < 3; i++)
            {
                assertEquals(UNAUTHORIZED, a.ask("AUTH:token=guess" + i));
            }
            assertEquals(TOO_MANY, a.ask("AUTH:token=guess3"));
            assertEquals(TOO_MANY, a.ask("AUTH:token=" + audio), "even the right token, within the window");

            assertEquals("OK", b.ask("AUTH:token=" + audio), "3 failures so far, below the global 5");
            assertEquals(UNAUTHORIZED, b.ask("AUTH:token=guess4"));
            assertEquals(UNAUTHORIZED, b.ask("AUTH:token=guess5"));
            assertEquals(TOO_MANY, c.ask("AUTH:token=" + audio), "5 failures in all: nobody may try now");
            assertEquals(UNAUTHORIZED, c.ask("GET_SHM_PATH"));

            assertEquals(daemon.regionFile("b_region").toString(), b.ask("GET_SHM_PATH:b_region"),
                "b's failed re-tries did not cost it its session");
        }
    }

    @Test
    void replayedAuthFromAnotherAddressAuthenticatesOnlyThatAddress()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""));
            RawClient owner = new RawClient(daemon.socket());
            RawClient replayer = new RawClient(daemon.socket());
            RawClient bystander = new RawClient(daemon.socket()))
        {
            final byte[] datagram = ("AUTH:token=" + audio).getBytes(StandardCharsets.US_ASCII);
            assertEquals("OK", owner.ask(datagram));
            assertEquals("OK", replayer.ask(datagram), "a holder of the token bytes is a holder of the token");
            assertEquals(UNAUTHORIZED, bystander.ask("GET_SHM_PATH:audio_x"));

            assertEquals("OK", replayer.ask("RELEASE"));
            assertEquals(UNAUTHORIZED, replayer.ask("GET_SHM_PATH:audio_x"));
            assertEquals(daemon.regionFile("audio_x").toString(), owner.ask("GET_SHM_PATH:audio_x"),
                "the replayer's session is its own");
            assertEquals(UNAUTHORIZED, bystander.ask("GET_SHM_PATH:audio_x"));
        }
    }

    @Test
    void bareReleaseEndsAuthentication()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            assertEquals(daemon.regionFile("audio_r").toString(), client.ask("GET_SHM_PATH:audio_r"));
            assertEquals("OK", client.ask("RELEASE"));
            assertEquals(UNAUTHORIZED, client.ask("GET_SHM_PATH:audio_r"));
            assertEquals(UNAUTHORIZED, client.ask("RENEW"));
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            assertEquals(daemon.regionFile("audio_r").toString(), client.ask("GET_SHM_PATH:audio_r"));
        }
    }

    @Test
    void leaseExpiryEndsAuthentication()
    {
        final String json = "{\"lease-ttl-ms\": 300, \"tokens\": [" + TestTokens.entry("a", audio, ALL) + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json);
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            assertEquals(daemon.regionFile("ttl_x").toString(), client.ask("GET_SHM_PATH:ttl_x"));
            // Watch the file, not the socket: any request would renew the lease.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> !Files.exists(daemon.regionFile("ttl_x")));
            assertEquals(UNAUTHORIZED, client.ask("GET_SHM_PATH:ttl_x"));
            assertFalse(Files.exists(daemon.regionFile("ttl_x")));
        }
    }

    /** Processes named by claimed pids (junixsocket); with kernel pids: KernelIdentityTest. */
    @Test
    void anotherProcessOnTheSameAddressInheritsNothing() throws IOException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""), TransportKind.JUNIXSOCKET))
        {
            final Path address = daemon.socketDir().resolve("client.sock");
            try (RawClient first = new RawClient(daemon.socket(), address))
            {
                assertEquals("OK", first.ask("AUTH:token=" + audio));
                assertTrue(first.ask("REGISTER:process_id=" + ProcessHandle.current().pid()).startsWith("OK lease_ms="));
                assertEquals(daemon.regionFile("audio_p").toString(), first.ask("GET_SHM_PATH:audio_p"));
            }
            Files.delete(address);
            final long otherPid = ProcessHandle.current().parent().orElseThrow().pid();
            try (RawClient second = new RawClient(daemon.socket(), address))
            {
                assertEquals(UNAUTHORIZED, second.ask("REGISTER:process_id=" + otherPid));
                assertEquals(UNAUTHORIZED, second.ask("GET_SHM_PATH:audio_p"));
                assertEquals(UNAUTHORIZED, second.ask("REGISTER:process_id=" + ProcessHandle.current().pid()),
                    "not even by claiming the old pid");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(daemon.regionFile("audio_p")));
        }
    }

    @Test
    void aDeadProcessesAddressComesBackUnauthenticated() throws Exception
    {
        final Process sleeper = new ProcessBuilder("sleep", "60").start(); // a claimed pid: junixsocket only
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""), TransportKind.JUNIXSOCKET))
        {
            final Path address = daemon.socketDir().resolve("client.sock");
            try (RawClient first = new RawClient(daemon.socket(), address))
            {
                assertEquals("OK", first.ask("AUTH:token=" + audio));
                assertTrue(first.ask("REGISTER:process_id=" + sleeper.pid()).startsWith("OK lease_ms="));
                assertEquals(daemon.regionFile("audio_d").toString(), first.ask("GET_SHM_PATH:audio_d"));
            }
            sleeper.destroyForcibly();
            sleeper.waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(daemon.regionFile("audio_d")));

            Files.delete(address);
            try (RawClient second = new RawClient(daemon.socket(), address))
            {
                assertEquals(UNAUTHORIZED, second.ask("GET_SHM_PATH:audio_d"));
            }
        }
        finally
        {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void failedAuthIsLoggedWithoutTheToken()
    {
        final Logger root = (Logger)LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        final String wrong = "wrong-" + TestTokens.newToken();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals(UNAUTHORIZED, client.ask("AUTH:token=" + wrong));
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            final List<ILoggingEvent> events = new ArrayList<>(appender.list);
            assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().contains("failed AUTH from @" +
                client.name())), "the failure is logged with the sender: " + messages(events));
            for (final ILoggingEvent event : events)
            {
                final String text = event.getFormattedMessage() + " " + java.util.Arrays.toString(event.getArgumentArray());
                assertAll(
                    () -> assertFalse(text.contains(wrong), text),
                    () -> assertFalse(text.contains(audio), text),
                    () -> assertFalse(text.contains(wrong.substring(6, 20)), text));
            }
        }
        finally
        {
            root.detachAppender(appender);
        }
    }

    @Test
    void addressesAreLoggedWithoutControlCharacters()
    {
        final Logger root = (Logger)LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(twoTokens(""));
            RawClient client = new RawClient(daemon.socket(),
                daemon.socketDir().resolve("x\n2099-01-01 00:00:00.000 INFO  Forged - hello\u001b[2J")))
        {
            assertEquals(UNAUTHORIZED, client.ask("AUTH:token=nope"));
            final List<String> failures = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("failed AUTH")).collect(Collectors.toList());
            assertEquals(1, failures.size(), failures::toString);
            assertTrue(failures.get(0).contains("x\\x0a2099-01-01"), failures.get(0));
            assertFalse(failures.get(0).contains("\n") || failures.get(0).contains("\u001b"), failures.get(0));
        }
        finally
        {
            root.detachAppender(appender);
        }
    }

    @Test
    void regionFileModeAndGroupFollowThePatternAndTheSocketItsMode() throws IOException
    {
        final String group = Stream.of("daemon", "nogroup", "users")
            .filter(AuthorizationTest::groupExists).findFirst().orElse(null);
        assumeTrue(null != group, "no spare group in /etc/group");
        final String json = "{\"socket-mode\": \"0660\", \"region-modes\": [{\"pattern\": \"shared_*\", " +
            "\"mode\": \"0660\", \"group\": \"" + group + "\"}], \"tokens\": [" +
            TestTokens.entry("all", audio, ALL) + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json);
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + audio));
            assertEquals(daemon.regionFile("shared_cam").toString(), client.ask("GET_SHM_PATH:shared_cam"));
            assertEquals(daemon.regionFile("solo").toString(), client.ask("GET_SHM_PATH:solo"));

            final PosixFileAttributes shared = attributes(daemon.regionFile("shared_cam"));
            assertEquals("rw-rw----", PosixFilePermissions.toString(shared.permissions()));
            assertEquals(group, shared.group().getName());

            final PosixFileAttributes solo = attributes(daemon.regionFile("solo"));
            assertEquals("rw-------", PosixFilePermissions.toString(solo.permissions()), "owner-only by default");
            assertEquals(attributes(daemon.socketDir()).group().getName(), solo.group().getName());

            assertEquals("rw-rw----", PosixFilePermissions.toString(attributes(daemon.socket()).permissions()));
        }
    }

    @Test
    void socketIsOwnerOnlyByDefault() throws IOException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{}"))
        {
            assertEquals("rw-------", PosixFilePermissions.toString(attributes(daemon.socket()).permissions()));
            assertEquals("rw-------",
                PosixFilePermissions.toString(attributes(daemon.regionFile("zero_copy_framework")).permissions()));
        }
    }

    @Test
    void plantedSymlinkIsNeverFollowed() throws IOException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{}");
            RawClient client = new RawClient(daemon.socket()))
        {
            final Path target = daemon.socketDir().resolve("precious.txt");
            Files.writeString(target, "precious");
            final Path link = daemon.regionFile("evil");
            Files.createSymbolicLink(link, target);
            final Path missing = daemon.socketDir().resolve("created-through-link");
            final Path dangling = daemon.regionFile("dangling");
            Files.createSymbolicLink(dangling, missing);

            for (final String request : List.of("GET_SHM_PATH:evil", "GET_SHM_PATH:evil,size=8", "GET_SHM_FD:evil",
                "GET_SHM_FD:evil,mode=ro", "GET_SHM_PATH:dangling", "GET_SHM_FD:dangling,size=4096"))
            {
                assertEquals("ERROR: Name in use", client.ask(request), request);
            }
            assertEquals("ERROR: No such region", client.ask("GET_SHM_SIZE:evil"));
            assertEquals("ERROR: No such region", client.ask("DELETE:evil"));
            assertEquals("OK", client.ask("RELEASE:evil"));

            assertEquals("precious", Files.readString(target));
            assertTrue(Files.isSymbolicLink(link), "the link is left alone");
            assertEquals(target, Files.readSymbolicLink(link));
            assertTrue(Files.isSymbolicLink(dangling));
            assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS), "nothing created through a dangling link");
        }
    }

    private static PosixFileAttributes attributes(final Path path) throws IOException
    {
        return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean groupExists(final String group)
    {
        try (Stream<String> lines = Files.lines(Path.of("/etc/group")))
        {
            return lines.anyMatch(line -> line.startsWith(group + ":"));
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static List<String> list(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static String messages(final List<ILoggingEvent> events)
    {
        return events.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining(" | "));
    }
}
