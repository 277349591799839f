package io.zerocp.daemon;

import io.zerocp.api.RegionNames;
import io.zerocp.testkit.ShmDirAssertions;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Named attacks, each against a fresh daemon with authentication on, each followed by the same checks: the daemon
 * still answers, and nothing appeared outside its shm directory.
 */
class AttackTableTest
{
    /** Every name an attack tries to create contains this, so a leaked file can be found whatever else runs here. */
    private static final String MARK = "pwn" + UUID.randomUUID().toString().substring(0, 8);
    private static final String USER = TestTokens.newToken();
    private static final String INVALID_NAME = "ERROR: Invalid name";
    private static final String INVALID_ARGUMENT = "ERROR: Invalid argument";
    private static final String TOO_LONG = "ERROR: Message too long";
    private static final String UNKNOWN = "ERROR: Unknown command";
    private static final String UNAUTHORIZED = "ERROR: Unauthorized";
    private static final String TOO_MANY = "ERROR: Too many requests";

    @FunctionalInterface
    interface Attack
    {
        void run(Target target) throws Exception;
    }

    /** The daemon under attack and a client authenticated with a token for {@code app_*}. */
    static final class Target implements AutoCloseable
    {
        final EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"max-region-size\": 16777216, " +
            "\"auth-failures-per-sender\": 5, \"auth-failures-global\": 20, \"auth-failure-window-ms\": 600000, " +
            "\"tokens\": [" + TestTokens.entry("user", USER, "\"allow\": [\"app_*\"], \"max-region-size\": 1048576, " +
            "\"max-regions\": 16") + "]}");
        final RawClient client = new RawClient(daemon.socket());
        final List<RawClient> others = new ArrayList<>();

        Target()
        {
            assertEquals("OK", client.ask("AUTH:token=" + USER));
        }

        RawClient newClient()
        {
            final RawClient other = new RawClient(daemon.socket());
            others.add(other);
            return other;
        }

        String path(final String name)
        {
            return daemon.regionFile(name).toString();
        }

        @Override
        public void close()
        {
            others.forEach(RawClient::close);
            client.close();
            daemon.close();
        }
    }

    static Stream<Named<Attack>> attacks()
    {
        final List<Named<Attack>> attacks = new ArrayList<>();

        // Traversal: names come only from the grammar, so no path component ever reaches the file system.
        for (final String request : List.of(
            "GET_SHM_PATH:../MARK", "GET_SHM_PATH:../../../tmp/MARK", "GET_SHM_PATH:/tmp/MARK", "GET_SHM_PATH:..",
            "GET_SHM_PATH:.", "GET_SHM_PATH:.MARK", "GET_SHM_PATH:-MARK", "GET_SHM_PATH:app_MARK/../../MARK",
            "GET_SHM_PATH:app_%2e%2e%2fMARK", "GET_SHM_PATH:app_MARK\\..\\x", "GET_SHM_PATH:~/MARK",
            "GET_SHM_FD:../MARK,size=4096", "GET_SHM_SIZE:../MARK", "RELEASE:../MARK", "DELETE:../MARK",
            "GET_SHM_PATH:app_*", "GET_SHM_PATH:app_MARK/"))
        {
            attacks.add(reply("traversal " + request, request, INVALID_NAME));
        }

        // NUL bytes, which C code would read as the end of the string.
        attacks.add(reply("NUL inside a name", "GET_SHM_PATH:app_MARK\0/../../x", INVALID_NAME));
        attacks.add(reply("NUL after a name", "GET_SHM_PATH:app_MARK\0", INVALID_NAME));
        attacks.add(reply("NUL inside the verb", "GET_SHM\0PATH:app_MARK", UNKNOWN));
        attacks.add(reply("NUL after PING", "PING\0", UNKNOWN));
        attacks.add(reply("NUL in a size", "GET_SHM_PATH:app_MARK,size=40\096", INVALID_ARGUMENT));
        attacks.add(reply("NUL in a token", "AUTH:token=" + USER + "\0", INVALID_ARGUMENT));
        attacks.add(reply("only NULs", "\0\0\0\0", UNKNOWN));

        // Overlong names and datagrams.
        attacks.add(reply("name of 65 characters", "GET_SHM_PATH:app_" + "a".repeat(61), INVALID_NAME));
        attacks.add(named("name of 64 characters is the limit", t ->
            assertEquals(t.path("app_" + "b".repeat(60)), t.client.ask("GET_SHM_PATH:app_" + "b".repeat(60)))));
        attacks.add(reply("datagram of 1024 bytes is read whole", "PING" + " ".repeat(1020), UNKNOWN));
        attacks.add(reply("datagram of 1025 bytes", "GET_SHM_PATH:app_MARK" + "a".repeat(1025 - 21), TOO_LONG));
        attacks.add(reply("datagram of 64 KiB", "GET_SHM_PATH:app_MARK," + "size=1,".repeat(9362), TOO_LONG));
        attacks.add(reply("datagram of 200 KiB", "A".repeat(200 * 1024), TOO_LONG));
        attacks.add(named("overlong datagram from an unauthenticated client", t ->
            assertEquals(UNAUTHORIZED, t.newClient().ask("PING" + " ".repeat(2000)))));
        attacks.add(reply("token of 257 characters", "AUTH:token=" + "t".repeat(257), INVALID_ARGUMENT));

        // Sizes that overflow, wrap or slip past a naive parser.
        for (final String size : List.of("9223372036854775808", "18446744073709551617", "99999999999999999999999999",
            "-1", "0", "00", "0x1000", "1e3", "+4096", " 4096", "4096 ", "4096,size=4096", "9223372036854775807",
            "17179869184"))
        {
            attacks.add(reply("size=" + size, "GET_SHM_PATH:app_MARK,size=" + size, INVALID_ARGUMENT));
        }
        attacks.add(reply("size above the token's limit", "GET_SHM_PATH:app_MARK,size=1048577", "ERROR: Quota exceeded"));
        attacks.add(reply("process id past int", "REGISTER:process_id=2147483648", INVALID_ARGUMENT));
        attacks.add(reply("offset past int", "LIST:offset=99999999999", INVALID_ARGUMENT));

        // Unicode look-alikes must not reach a region with the ASCII name.
        for (final String name : List.of("\u0430pp_x", "app_\u0445", "\uff41pp_x", "app_x\u200b", "app_\ufb00",
            "app_x\u0301", "app\u2024x"))
        {
            attacks.add(named("look-alike name " + escape(name), t ->
            {
                assertEquals(t.path("app_x"), t.client.ask("GET_SHM_PATH:app_x"));
                assertEquals(INVALID_NAME, t.client.ask(utf8("GET_SHM_PATH:" + name)));
                assertEquals(INVALID_NAME, t.client.ask(utf8("GET_SHM_SIZE:" + name)));
                assertEquals("4096", t.client.ask("GET_SHM_SIZE:app_x"));
            }));
        }
        attacks.add(reply("look-alike verb", "GET_SHM_P\u0410TH:app_x", UNKNOWN));
        attacks.add(reply("lower-case verb", "get_shm_path:app_x", UNKNOWN));
        attacks.add(named("look-alike token", t ->
            assertEquals(INVALID_ARGUMENT, t.newClient().ask(utf8("AUTH:token=" + USER.substring(1) + "\u0430")))));

        attacks.add(named("token brute force", AttackTableTest::bruteForce));
        attacks.add(named("replayed AUTH from another address", AttackTableTest::replay));
        attacks.add(named("flood by a client that never reads", AttackTableTest::flood));
        attacks.add(named("flood of descriptors to a client that never reads", AttackTableTest::descriptorFlood));
        return attacks.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void daemonWithstands(final Attack attack) throws Exception
    {
        try (Target target = new Target())
        {
            attack.run(target);

            try (RawClient fresh = new RawClient(target.daemon.socket()))
            {
                assertEquals("PONG", fresh.ask("PING"), "the daemon still answers");
            }
            assertEquals(target.path("app_alive"), target.client.ask("GET_SHM_PATH:app_alive"));
            ShmDirAssertions.assertOnlyRegionFiles(target.daemon.shmDir(),
                name -> !name.contains(MARK) || name.startsWith("app_"));
            assertNothingMarkedOutside(target);
        }
    }

    private static void bruteForce(final Target t)
    {
        final RawClient attacker = t.newClient();
        final List<String> replies = new ArrayList<>();
        // The token's last character carries 4 bits (32 bytes in base64url), so it is 'A' one time in 16: near misses
        // must skip the real one, or a "miss" is the token itself.
        final String last = USER.substring(USER.length() - 1);
        final String misses = "ABCD".replace(last, "");
        for (int i = 0; i < 10; i++)
        {
            // Near misses first: a reply that differed for them would leak the token bit by bit.
            final String guess = i < 3 ? USER.substring(0, USER.length() - 1) + misses.charAt(i) :
                TestTokens.newToken();
            replies.add(attacker.ask("AUTH:token=" + guess));
        }
        assertEquals(List.of(UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED,
            TOO_MANY, TOO_MANY, TOO_MANY, TOO_MANY, TOO_MANY), replies);
        assertEquals(TOO_MANY, attacker.ask("AUTH:token=" + USER), "the right token is refused too while limited");

        // Many addresses: the global limit (20) holds the line.
        int unauthorized = 5;
        for (int c = 0; c < 6; c++)
        {
            final RawClient next = t.newClient();
            for (int i = 0; i < 5; i++)
            {
                if (UNAUTHORIZED.equals(next.ask("AUTH:token=" + TestTokens.newToken())))
                {
                    unauthorized++;
                }
            }
        }
        // Address-only (junixsocket): the global limit (20) holds the line. With kernel credentials every address of
        // this process is one uid, limited after its first 5.
        assertEquals(t.daemon.daemon().kernelCredentials() ? 5 : 20, unauthorized,
            "guesses checked in all before the limit");
        assertEquals(TOO_MANY, t.newClient().ask("AUTH:token=" + USER), "nobody may try now");
        assertEquals(t.path("app_x"), t.client.ask("GET_SHM_PATH:app_x"), "an existing session is unaffected");
    }

    private static void replay(final Target t)
    {
        final byte[] captured = ("AUTH:token=" + USER).getBytes(StandardCharsets.US_ASCII);
        final RawClient replayer = t.newClient();
        final RawClient bystander = t.newClient();
        assertEquals("OK", replayer.ask(captured));
        assertEquals(t.path("app_r"), replayer.ask("GET_SHM_PATH:app_r"));
        assertEquals(UNAUTHORIZED, bystander.ask("GET_SHM_PATH:app_r"), "only the sender's address is authenticated");
        assertEquals("OK", replayer.ask("RELEASE"));
        assertEquals(UNAUTHORIZED, replayer.ask("GET_SHM_PATH:app_r"));
        assertEquals(t.path("app_r"), t.client.ask("GET_SHM_PATH:app_r"), "the original session is untouched");
    }

    private static void flood(final Target t) throws IOException
    {
        final RawClient flooder = t.newClient();
        assertEquals("OK", flooder.ask("AUTH:token=" + USER));
        final AFUNIXSocketAddress daemon = AFUNIXSocketAddress.of(t.daemon.socket());
        final byte[][] requests = {
            "PING".getBytes(StandardCharsets.US_ASCII), "GET_SHM_PATH:app_f".getBytes(StandardCharsets.US_ASCII),
            "GET_SHM_SIZE:app_f".getBytes(StandardCharsets.US_ASCII), "RENEW".getBytes(StandardCharsets.US_ASCII),
        };
        for (int i = 0; i < 5000; i++)
        {
            // Blocks only while the daemon's own queue is full: the daemon keeps reading, whatever the flooder does.
            flooder.channel().send(ByteBuffer.wrap(requests[i % requests.length]), daemon);
            if (i % 500 == 0)
            {
                assertEquals("PONG", t.client.ask("PING"), "others are served during the flood");
            }
        }
        assertEquals(t.path("app_f"), t.client.ask("GET_SHM_PATH:app_f"));
    }

    private static void descriptorFlood(final Target t) throws IOException
    {
        final RawClient flooder = t.newClient();
        assertEquals("OK", flooder.ask("AUTH:token=" + USER));
        final long before = openDescriptors();
        final AFUNIXSocketAddress daemon = AFUNIXSocketAddress.of(t.daemon.socket());
        final byte[] request = "GET_SHM_FD:app_fd".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 2000; i++)
        {
            flooder.channel().send(ByteBuffer.wrap(request), daemon);
        }
        assertEquals("PONG", t.client.ask("PING"));
        assertEquals("4096", t.client.ask("GET_SHM_FD:app_fd"));
        final long after = openDescriptors();
        assertTrue(after <= before + 4, "descriptors stay flat: " + before + " before, " + after + " after");
    }

    private static long openDescriptors() throws IOException
    {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd")))
        {
            return fds.count();
        }
    }


    private static void assertNothingMarkedOutside(final Target t)
    {
        final List<Path> found = new ArrayList<>();
        for (final Path root : List.of(Paths.get("/dev/shm"), Paths.get("/tmp"), Paths.get("/etc"),
            Paths.get("/"), Paths.get("").toAbsolutePath(), t.daemon.socketDir(),
            t.daemon.shmDir().resolve(".zerocpd")))
        {
            findMarked(root, 2, found);
        }
        found.removeIf(p -> p.startsWith(t.daemon.shmDir()) && p.getParent().equals(t.daemon.shmDir()) &&
            p.getFileName().toString().startsWith("app_"));
        assertEquals(List.of(), found, "files named by an attack outside the shm dir");
    }

    private static void findMarked(final Path dir, final int depth, final List<Path> found)
    {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
        {
            for (final Path entry : entries)
            {
                if (entry.getFileName().toString().contains(MARK))
                {
                    found.add(entry);
                }
                if (depth > 1 && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) &&
                    !entry.toString().startsWith("/proc") && !entry.toString().startsWith("/sys"))
                {
                    findMarked(entry, depth - 1, found);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // Directories of other processes come and go, or are not readable: not ours to check.
        }
    }

    private static Named<Attack> reply(final String name, final String request, final String expected)
    {
        final String marked = request.replace("MARK", MARK);
        return named(name.replace("MARK", "<mark>").replace("\0", "\\0"),
            t -> assertEquals(expected, t.client.ask(utf8(marked))));
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Named<Attack> named(final String name, final Attack attack)
    {
        return Named.of(name.length() > 80 ? name.substring(0, 80) + "..." : name, attack);
    }

    private static String escape(final String s)
    {
        final StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(c < 0x80 ? Character.toString(c) : String.format("U+%04X", c)));
        return sb.toString();
    }

    static
    {
        // Sanity of the table itself: the marker must be a valid name part, or the traversal cases prove nothing.
        if (!RegionNames.isValid("app_" + MARK) || Arrays.asList(MARK.split("")).contains("/"))
        {
            throw new IllegalStateException("bad marker " + MARK);
        }
    }
}
