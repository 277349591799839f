package io.zerocp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.api.RegionLayout;
import io.zerocp.client.RegistryClient;
import io.zerocp.client.SharedRegion;
import io.zerocp.client.typed.MessageRing;
import io.zerocp.testkit.RawClient;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminViewsTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listClientsAndStatsDescribeTheStateAfterAScriptedSequence() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(0));
            RawClient admin = new RawClient(daemon.socket());
            RegistryClient a = RegistryClient.builder().socketPath(daemon.socket()).build();
            RegistryClient b = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion big = a.acquire("video_frames", 1 << 20);
            SharedRegion shared = a.acquire("audio_ring", 65536);
            SharedRegion sharedToo = b.acquire("audio_ring"))
        {
            // Unregistered: no holder on junixsocket; with kernel credentials it holds it while this process lives.
            admin.ask("GET_SHM_PATH:loose,size=8192");
            final int adminSessions = daemon.daemon().kernelCredentials() ? 1 : 0;
            admin.ask("NOPE");
            admin.ask("GET_SHM_SIZE:missing");

            final JsonNode list = JSON.readTree(admin.ask("LIST"));
            assertEquals(4, list.path("total").asInt());
            assertTrue(list.path("next").isNull());
            final JsonNode video = find(list.path("regions"), "name", "video_frames");
            assertEquals(1 << 20, video.path("size").asLong());
            assertEquals(daemon.regionFile("video_frames").toString(), video.path("path").asText());
            assertFalse(video.path("static").asBoolean());
            assertEquals(1, video.path("holders").size());
            assertEquals(ProcessHandle.current().pid(), video.path("holders").get(0).path("pid").asLong());
            assertEquals(2, find(list.path("regions"), "name", "audio_ring").path("holders").size());
            assertEquals(adminSessions, find(list.path("regions"), "name", "loose").path("holders").size());
            assertTrue(find(list.path("regions"), "name", "zero_copy_framework").path("static").asBoolean());

            final JsonNode clients = JSON.readTree(admin.ask("CLIENTS"));
            assertEquals(2 + adminSessions, clients.path("total").asInt());
            final JsonNode first = find(clients.path("clients"), "address", "@" + a.localAddress());
            assertEquals((1 << 20) + 65536, first.path("bytesHeld").asLong());
            assertEquals(2, first.path("holds").size());
            assertTrue(first.path("token").isNull());
            assertTrue(first.path("leaseLeftMs").asLong() > 0);

            big.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(daemon.regionFile("video_frames")));
            final JsonNode stats = JSON.readTree(admin.ask("STATS"));
            assertEquals(3, stats.path("regions").asLong());
            assertEquals(8192 + 65536 + 4096, stats.path("bytes").asLong());
            assertEquals(2 + adminSessions, stats.path("sessions").asLong());
            assertEquals(1, stats.path("regionsReaped").asLong());
            assertEquals(1, stats.path("errors").path("Unknown command").asLong());
            assertEquals(1, stats.path("requests").path("unparsed").asLong(), "an unknown verb is unparsed");
            assertEquals(1, stats.path("errors").path("No such region").asLong());
            assertTrue(stats.path("requests").path("GET_SHM_PATH").asLong() >= 4);
        }
    }

    @Test
    void listNamesTheLayoutOfTypedRegions() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RawClient admin = new RawClient(daemon.socket());
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket()).build();
            MessageRing ring = MessageRing.manyToOne(client, "commands", 64 * 1024))
        {
            admin.ask("GET_SHM_PATH:plain,size=4096");
            // A raw video buffer: pixels everywhere, so bytes 8-15 (where a typed header keeps its state) are not
            // zero, yet nothing at offset 0 says "typed". And the magic alone, with a state word of 0, is not a
            // typed region either: only magic and state together make one.
            final Path video = Path.of(admin.ask("GET_SHM_PATH:video,size=4096"));
            final byte[] pixels = new byte[4096];
            Arrays.fill(pixels, (byte)0x7f);
            Files.write(video, pixels);
            final Path magicOnly = Path.of(admin.ask("GET_SHM_PATH:magic_only,size=4096"));
            final ByteBuffer header = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, RegionLayout.MAGIC);
            Files.write(magicOnly, header.array());
            final JsonNode regions = JSON.readTree(admin.ask("LIST")).path("regions");
            assertEquals("ring-many-to-one v" + MessageRing.VERSION, find(regions, "name", "commands").path("layout")
                .asText());
            assertEquals("bytes", find(regions, "name", "plain").path("layout").asText());
            assertEquals("bytes", find(regions, "name", "video").path("layout").asText());
            assertEquals("bytes", find(regions, "name", "magic_only").path("layout").asText());
        }
    }

    @Test
    void deleteUnlinksADynamicRegionWhateverItsHoldersButNeverAStaticOne() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RawClient admin = new RawClient(daemon.socket());
            RegistryClient holder = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion region = holder.acquire("doomed", 4096))
        {
            assertEquals("OK", admin.ask("DELETE:doomed"));
            assertFalse(Files.exists(daemon.regionFile("doomed")));
            region.buffer().putInt(0, 1); // the holder's mapping stays valid after the unlink
            assertEquals("ERROR: No such region", admin.ask("DELETE:doomed"));
            assertEquals("ERROR: Forbidden", admin.ask("DELETE:zero_copy_framework"));
            assertEquals(0, JSON.readTree(admin.ask("CLIENTS")).path("clients").get(0).path("holds").size());
        }
    }

    @Test
    void listPagesWhenTheRegionsDoNotFitOneDatagram() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RawClient admin = new RawClient(daemon.socket()))
        {
            for (int i = 0; i < 600; i++)
            {
                assertTrue(admin.ask("GET_SHM_PATH:page_region_with_a_longish_name_" + i + ",size=4096")
                    .startsWith("/"));
            }
            final List<String> names = new ArrayList<>();
            long offset = 0;
            int pages = 0;
            while (true)
            {
                final String reply = admin.ask(offset == 0 ? "LIST" : "LIST:offset=" + offset);
                assertTrue(reply.length() <= 60 * 1024);
                final JsonNode page = JSON.readTree(reply);
                pages++;
                page.path("regions").forEach(r -> names.add(r.path("name").asText()));
                if (page.path("next").isNull())
                {
                    break;
                }
                offset = page.path("next").asLong();
            }
            assertTrue(pages > 1, "expected several pages");
            assertEquals(601, names.size());
            assertEquals(601, names.stream().distinct().count());
        }
    }

    @Test
    void theCliPrintsTablesJsonAndATopFrame() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion region = client.acquire("cli_frames", 3 << 20))
        {
            final String socket = "--socket=" + daemon.socket();
            assertEquals("PONG", run("ping", socket).trim());
            assertEquals(daemon.regionFile("zero_copy_framework").toString(), run("path", socket).trim());
            assertEquals("3145728", run("size", socket, "cli_frames").trim());

            final String ls = run("ls", socket);
            assertTrue(ls.lines().anyMatch(l -> l.startsWith("cli_frames") && l.contains("3.0 MiB") &&
                l.contains("dynamic")), ls);
            final JsonNode lsJson = JSON.readTree(run("ls", socket, "--json"));
            assertEquals(2, lsJson.size());

            final String clients = run("clients", socket);
            assertTrue(clients.contains(Long.toString(ProcessHandle.current().pid())) && clients.contains("3.0 MiB"),
                clients);
            assertTrue(run("stat", socket).contains("regions          2 (3.0 MiB)"));

            final String top = run("top", socket, "--once", "--interval-ms=100");
            final List<String> lines = top.lines().toList();
            assertTrue(lines.get(0).startsWith("zerocpd up ") && lines.get(0).contains("2 regions (3.0 MiB)"), top);
            assertTrue(top.contains("cli_frames") && top.contains("SESSION"), top);
            final int cliRow = indexOf(lines, "cli_frames");
            final int defaultRow = indexOf(lines, "zero_copy_framework");
            assertTrue(cliRow < defaultRow, "regions sorted by bytes: " + top);

            assertEquals(1, runExit("size", socket, "no_such_region"));
        }
    }

    @Test
    void tokenPrintsATokenAndTheHashOfExactlyThatToken() throws Exception
    {
        final String out = run("token", "--id=video", "--allow=video_*");
        final String token = out.lines().filter(l -> l.startsWith("token:")).findFirst().orElseThrow()
            .substring("token:".length()).trim();
        final JsonNode entry = JSON.readTree(out.lines().filter(l -> l.startsWith("config:")).findFirst()
            .orElseThrow().substring("config:".length()));
        assertEquals(43, token.length());
        assertEquals("video", entry.path("id").asText());
        assertEquals("video_*", entry.path("allow").get(0).asText());
        assertEquals(TokenGenerator.sha256Hex(token), entry.path("sha256").asText());
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"tokens\": [" + out.lines()
            .filter(l -> l.startsWith("config:")).findFirst().orElseThrow().substring(7) + "]}");
            RawClient raw = new RawClient(daemon.socket()))
        {
            assertEquals("ERROR: Unauthorized", raw.ask("GET_SHM_PATH:video_a"));
            assertEquals("OK", raw.ask("AUTH:token=" + token));
            assertTrue(raw.ask("GET_SHM_PATH:video_a").endsWith("/video_a_shm"));
        }
    }

    @Test
    void metricsAreServedOverHttpWithTheStatsCounters() throws Exception
    {
        final int port;
        try (ServerSocket free = new ServerSocket(0))
        {
            port = free.getLocalPort();
        }
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"metrics-port\": " + port + "}");
            RawClient raw = new RawClient(daemon.socket()))
        {
            raw.ask("PING");
            raw.ask("GET_SHM_PATH:metered,size=8192");
            raw.ask("BOGUS");
            final HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            final String body = response.body();
            assertTrue(body.contains("zerocp_requests_total{verb=\"PING\"} 1"), body);
            assertTrue(body.contains("zerocp_errors_total{error=\"Unknown command\"} 1"), body);
            assertTrue(body.contains("zerocp_regions 2"), body);
            assertTrue(body.contains("zerocp_region_bytes " + (8192 + 4096)), body);
            assertTrue(body.contains("# TYPE zerocp_sessions_ended_total counter"), body);
        }
    }

    private static int indexOf(final List<String> lines, final String prefix)
    {
        for (int i = 0; i < lines.size(); i++)
        {
            if (lines.get(i).startsWith(prefix))
            {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode find(final JsonNode array, final String field, final String value)
    {
        for (final JsonNode node : array)
        {
            if (node.path(field).asText().equals(value))
            {
                return node;
            }
        }
        throw new AssertionError("no entry with " + field + "=" + value + " in " + array);
    }

    private static String run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final CommandLine cli = ZerocpCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        final int exit = cli.execute(args);
        assertEquals(0, exit, () -> String.join(" ", args) + " -> " + out);
        return out.toString();
    }

    private static int runExit(final String... args)
    {
        final CommandLine cli = ZerocpCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }
}
