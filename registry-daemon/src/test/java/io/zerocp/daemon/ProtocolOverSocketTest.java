package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The wire protocol against a real daemon over a real AF_UNIX datagram socket: replies byte for byte and the files
 * they leave (or must not leave) behind.
 */
class ProtocolOverSocketTest
{
    private static final long MAX_REGION_SIZE = 1 << 20;

    private static EmbeddedDaemon daemon;
    private static RawClient client;

    @BeforeAll
    static void startDaemon()
    {
        daemon = EmbeddedDaemon.start(b -> b.maxRegionSize(MAX_REGION_SIZE));
        client = new RawClient(daemon.socket());
    }

    @AfterAll
    static void stopDaemon()
    {
        client.close();
        daemon.close();
    }

    @Test
    void seedTableByteForByte()
    {
        final String defaultPath = daemon.shmDir() + "/zero_copy_framework_shm";

        assertReply("PONG", "PING");
        assertReply(defaultPath, "GET_SHM_PATH");
        assertReply("4096", "GET_SHM_SIZE");
        assertReply("ERROR: Unknown command", "HELLO");
        assertReply("ERROR: Unknown command", "ping");
        assertReply("ERROR: Unknown command", "get_shm_path");
        // `echo GET_SHM_PATH | socat - UNIX-SENDTO:...` sends a newline; the seed's docs use that.
        assertReply(defaultPath, "GET_SHM_PATH\n");
        assertReply("4096", "GET_SHM_SIZE\r\n");
        assertReply("PONG", "PING\n");
    }

    @Test
    void defaultRegionExistsAtStartAsAFullSizePrivateFile() throws IOException
    {
        assertRegionFile(daemon.regionFile("zero_copy_framework"), 4096);
        assertReply(daemon.regionFile("zero_copy_framework").toString(), "GET_SHM_PATH:zero_copy_framework");
        assertReply("4096", "GET_SHM_SIZE:zero_copy_framework");
        assertReply("ERROR: Size mismatch", "GET_SHM_PATH:zero_copy_framework,size=8192");
        assertReply(daemon.regionFile("zero_copy_framework").toString(), "GET_SHM_PATH:zero_copy_framework,size=4096");
    }

    @Test
    void namedRegionIsCreatedAtFullSizeWithMode0600() throws IOException
    {
        final Path sized = daemon.regionFile("video_buffer");
        final Path unsized = daemon.regionFile("audio_buffer");
        assertFalse(Files.exists(sized));

        assertReply(sized.toString(), "GET_SHM_PATH:video_buffer,size=65536");
        assertReply(unsized.toString(), "GET_SHM_PATH:audio_buffer");

        assertRegionFile(sized, 65536);
        assertRegionFile(unsized, 4096);
        assertReply("65536", "GET_SHM_SIZE:video_buffer");
        assertReply("4096", "GET_SHM_SIZE:audio_buffer");

        // Asking again opens, never re-creates or resizes.
        assertReply(sized.toString(), "GET_SHM_PATH:video_buffer");
        assertReply(sized.toString(), "GET_SHM_PATH:video_buffer,size=65536");
        assertRegionFile(sized, 65536);
    }

    @Test
    void differentSizeForAnExistingRegionIsSizeMismatch() throws IOException
    {
        final Path file = daemon.regionFile("mismatch");
        assertReply(file.toString(), "GET_SHM_PATH:mismatch,size=8192");

        assertReply("ERROR: Size mismatch", "GET_SHM_PATH:mismatch,size=4096");
        assertReply("ERROR: Size mismatch", "GET_SHM_PATH:mismatch,size=8193");
        assertReply("ERROR: Size mismatch", "GET_SHM_PATH:mismatch,size=16384\n");

        assertRegionFile(file, 8192);
        assertReply("8192", "GET_SHM_SIZE:mismatch");
    }

    @Test
    void sizeOfAnUnknownRegionIsNoSuchRegionAndCreatesNothing() throws IOException
    {
        final Set<String> before = tree(daemon.shmDir());

        assertReply("ERROR: No such region", "GET_SHM_SIZE:never_created");
        assertReply("ERROR: No such region", "GET_SHM_SIZE:never_created\n");

        assertFalse(Files.exists(daemon.regionFile("never_created")));
        assertEquals(before, tree(daemon.shmDir()));
    }

    @Test
    void sizeAboveTheConfiguredMaximumIsRefusedAndCreatesNothing() throws IOException
    {
        final Set<String> before = tree(daemon.shmDir());

        assertReply("ERROR: Invalid argument", "GET_SHM_PATH:too_big,size=" + (MAX_REGION_SIZE + 1));
        assertReply("ERROR: Invalid argument", "GET_SHM_PATH:too_big,size=9223372036854775807");

        assertEquals(before, tree(daemon.shmDir()));
        assertReply(daemon.regionFile("max_size").toString(), "GET_SHM_PATH:max_size,size=" + MAX_REGION_SIZE);
        assertRegionFile(daemon.regionFile("max_size"), MAX_REGION_SIZE);
    }

    static Stream<Arguments> malformed()
    {
        return Stream.of(
            arguments("\n", "ERROR: Unknown command"),
            arguments("PING\n\n", "ERROR: Unknown command"),
            arguments("PING\r\n\r\n", "ERROR: Unknown command"),
            arguments("GET_SHM_PATH,size=4096", "ERROR: Unknown command"),
            arguments(" PING", "ERROR: Unknown command"),
            arguments("PING:", "ERROR: Invalid argument"),
            arguments("RENEW:x", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size=0", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size=-1", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size=+5", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size=0x10", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size=99999999999999999999", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,color=red", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size=4096,size=4096", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size=", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,size", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:v,,size=4096", "ERROR: Invalid argument"),
            arguments("GET_SHM_SIZE:v,size=4096", "ERROR: Invalid argument"),
            arguments("GET_SHM_FD:v,mode=rx", "ERROR: Invalid argument"),
            arguments("REGISTER", "ERROR: Invalid argument"),
            arguments("REGISTER:process_id=0", "ERROR: Invalid argument"),
            arguments("REGISTER:process_id=abc", "ERROR: Invalid argument"),
            arguments("AUTH", "ERROR: Invalid argument"),
            arguments("AUTH:token=", "ERROR: Invalid argument"),
            arguments("LIST:offset=-1", "ERROR: Invalid argument"),
            arguments("RELEASE:v,size=1", "ERROR: Invalid argument"),
            arguments("GET_SHM_PATH:", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:,size=4096", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:v\n\n", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:.hidden", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:-rf", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:_x", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:a b", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:a\0b", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:caf\u00e9", "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:" + "a".repeat(65), "ERROR: Invalid name"),
            arguments("GET_SHM_PATH:" + "a".repeat(300), "ERROR: Invalid name"),
            arguments("GET_SHM_SIZE:", "ERROR: Invalid name"),
            arguments("RELEASE:", "ERROR: Invalid name"),
            arguments("DELETE", "ERROR: Invalid name"),
            // 1024 bytes is within the limit: parsed (and refused as a name), not "too long".
            arguments("GET_SHM_PATH:" + "x".repeat(1024 - 13), "ERROR: Invalid name"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformed")
    void everyParseErrorArrivesAsItsExactText(final String request, final String expected) throws IOException
    {
        final Set<String> before = tree(daemon.shmDir());

        assertEquals(expected, askLatin1(request), () -> "reply to " + Arrays.toString(latin1(request)));

        assertEquals(before, tree(daemon.shmDir()));
    }

    @Test
    void emptyDatagramDoesNotDisturbTheDaemon()
    {
        // junixsocket 2.10.1 reports a zero-length datagram with no sender, like an empty queue, so the daemon
        // cannot answer it. If it ever can, the answer must be the seed's; either way the next reply is the right one.
        client.send(new byte[0]);
        client.send("PING");
        final String first = client.receive();
        if ("ERROR: Unknown command".equals(first))
        {
            assertEquals("PONG", client.receive());
        }
        else
        {
            assertEquals("PONG", first);
        }
        assertReply("4096", "GET_SHM_SIZE");
    }

    @Test
    void oversizeDatagramsAreRefusedAndNeverActedOn() throws IOException
    {
        final Set<String> before = tree(daemon.shmDir());
        final String name1025 = "x".repeat(1025 - 13);
        final String name100k = "y".repeat(100 * 1024 - 13);

        assertEquals(1025, latin1("GET_SHM_PATH:" + name1025).length);
        assertReply("ERROR: Message too long", "GET_SHM_PATH:" + name1025);
        assertReply("ERROR: Message too long", "GET_SHM_PATH:" + name100k);
        assertReply("ERROR: Message too long", "PING" + " ".repeat(1021));
        assertReply("ERROR: Message too long", "PING" + "\n".repeat(100 * 1024));
        // Its first 1024 bytes would be a valid request; the rest must still make it too long, not truncated.
        assertReply("ERROR: Message too long", "GET_SHM_PATH:oversize_prefix,size=4096" + "\0".repeat(2000));

        assertFalse(Files.exists(daemon.regionFile("oversize_prefix")));
        assertEquals(before, tree(daemon.shmDir()));
        try (Stream<Path> files = Files.list(daemon.shmDir()))
        {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("xxxx") ||
                p.getFileName().toString().startsWith("yyyy")));
        }

        // The daemon keeps serving and nothing of the discarded tail leaks into the next request.
        assertReply("PONG", "PING");
        assertReply(daemon.regionFile("zero_copy_framework").toString(), "GET_SHM_PATH");
    }

    @Test
    void traversalNamesCreateNoFileAnywhere() throws IOException
    {
        final String marker = "zcpesc" + UUID.randomUUID().toString().substring(0, 8);
        final List<String> names = List.of(
            "../" + marker,
            "../../" + marker,
            "../../../" + marker,
            "../../tmp/" + marker,
            "../../../tmp/" + marker,
            "/tmp/" + marker,
            "a/../../" + marker,
            "./" + marker,
            marker + "/x",
            "..",
            ".",
            "..\0/" + marker,
            "..%2f" + marker);
        final Path shmDir = daemon.shmDir();
        final Path parent = shmDir.getParent();
        final Path tmp = Paths.get("/tmp");
        final Set<String> shmBefore = tree(shmDir);
        final Set<String> parentBefore = listing(parent);
        final Set<String> tmpBefore = listing(tmp);

        for (final String name : names)
        {
            assertEquals("ERROR: Invalid name", askLatin1("GET_SHM_PATH:" + name), name);
            assertEquals("ERROR: Invalid name", askLatin1("GET_SHM_PATH:" + name + ",size=4096"), name);
            assertEquals("ERROR: Invalid name", askLatin1("GET_SHM_FD:" + name), name);
            assertEquals("ERROR: Invalid name", askLatin1("GET_SHM_SIZE:" + name), name);
        }

        assertEquals(shmBefore, tree(shmDir));
        // Other processes share /dev/shm and /tmp: only entries that carry this test's marker are ours.
        assertEquals(Set.of(), newEntriesWith(marker, parentBefore, listing(parent)));
        assertEquals(Set.of(), newEntriesWith(marker, tmpBefore, listing(tmp)));
        for (final String name : names)
        {
            final Path target = shmDir.resolve(name.replace("\0", "") + "_shm").normalize();
            assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS), target::toString);
        }
        assertFalse(Files.exists(Paths.get("/" + marker + "_shm")));
    }

    private static Set<String> newEntriesWith(final String marker, final Set<String> before, final Set<String> after)
    {
        return after.stream().filter(n -> !before.contains(n) && n.contains(marker)).collect(Collectors.toSet());
    }

    private static void assertRegionFile(final Path file, final long size) throws IOException
    {
        final PosixFileAttributes attributes =
            Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertAll(file.toString(),
            () -> assertTrue(attributes.isRegularFile(), "regular file"),
            () -> assertEquals(size, attributes.size(), "size"),
            () -> assertEquals("rw-------", PosixFilePermissions.toString(attributes.permissions()), "mode"),
            () -> assertEquals(System.getProperty("user.name"), attributes.owner().getName(), "owner"));
    }

    private static void assertReply(final String expected, final String request)
    {
        assertEquals(expected, askLatin1(request), () -> "reply to " + abbreviate(request));
    }

    /** Sends one byte per char, so NULs, newlines and Latin-1 bytes go on the wire exactly as written. */
    private static String askLatin1(final String request)
    {
        return client.ask(latin1(request));
    }

    private static byte[] latin1(final String request)
    {
        return request.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String abbreviate(final String s)
    {
        return s.length() > 60 ? s.substring(0, 60) + "...(" + s.length() + " chars)" : s;
    }

    /** Every path under {@code root}, relative, recursively. */
    static Set<String> tree(final Path root) throws IOException
    {
        try (Stream<Path> walk = Files.walk(root))
        {
            return walk.map(p -> root.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    static Set<String> listing(final Path dir)
    {
        try (Stream<Path> list = Files.list(dir))
        {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
