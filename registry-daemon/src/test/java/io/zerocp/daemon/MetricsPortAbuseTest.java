package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 25, the metrics port: a local user who connects and sends nothing (or half a request) delays no other scrape
 * and is cut off after a bounded time; the port listens on loopback only; and with authentication on, the per-uid
 * figures that {@code STATS} refuses to anyone but an admin are not on the anonymous port unless configured.
 */
class MetricsPortAbuseTest
{
    private static final List<String> PER_UID = List.of("zerocp_uid_sessions", "zerocp_uid_holds",
        "zerocp_uid_held_bytes", "zerocp_uids");

    @Test
    void idleAndHalfSentConnectionsDelayNoScrapeAndAreCutOff() throws Exception
    {
        final int port = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.metricsPort(port));
            Socket idle = new Socket(InetAddress.getLoopbackAddress(), port);
            Socket half = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            final OutputStream out = half.getOutputStream();
            out.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Several scrapes at once, while both connections sit there: each answers.
            final List<CompletableFuture<MetricsScrape>> scrapes = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                scrapes.add(CompletableFuture.supplyAsync(() -> MetricsScrape.protobuf(port)));
            }
            for (final CompletableFuture<MetricsScrape> scrape : scrapes)
            {
                assertTrue(scrape.get(30, TimeUnit.SECONDS).value("zerocp_regions") >= 0);
            }
            // And the server lets go of them after its bound, not never.
            assertClosedByServer(idle, 90);
            assertClosedByServer(half, 90);
        }
    }

    @Test
    void theMetricsPortListensOnLoopbackOnly() throws Exception
    {
        final int port = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.metricsPort(port)))
        {
            assertTrue(MetricsScrape.protobuf(port).value("zerocp_regions") >= 0);
            for (final NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces()))
            {
                for (final InetAddress address : Collections.list(nic.getInetAddresses()))
                {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress())
                    {
                        try (Socket s = new Socket())
                        {
                            assertThrows(ConnectException.class,
                                () -> s.connect(new InetSocketAddress(address, port), 5_000), address.toString());
                        }
                    }
                }
            }
        }
    }

    @Test
    void withAuthOnThePerUidFiguresAreShownOnlyWhenConfigured() throws Exception
    {
        final String token = TestTokens.newToken();
        final String tokens = "\"tokens\": [" + TestTokens.entry("app", token, "\"allow\": [\"*\"]") + "]";
        final int port = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"metrics-port\": " + port + ", " + tokens + "}");
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + token));
            assertTrue(client.ask("GET_SHM_PATH:held").startsWith("/"));
            final MetricsScrape scrape = MetricsScrape.protobuf(port);
            assertTrue(scrape.value("zerocp_regions") >= 1, "the totals stay");
            for (final String name : PER_UID)
            {
                assertFalse(scrape.has(name), name + " is not shown to an anonymous scraper with auth on");
            }
        }
        final int port2 = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"metrics-port\": " + port2 +
            ", \"metrics-per-uid\": true, " + tokens + "}");
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + token));
            assertTrue(client.ask("GET_SHM_PATH:held").startsWith("/"));
            final MetricsScrape scrape = MetricsScrape.protobuf(port2);
            for (final String name : PER_UID)
            {
                assertTrue(scrape.has(name), name + " is shown when metrics-per-uid is true");
            }
        }
    }

    private static void assertClosedByServer(final Socket socket, final int seconds) throws IOException
    {
        socket.setSoTimeout(seconds * 1000);
        final InputStream in = socket.getInputStream();
        try
        {
            while (in.read() != -1)
            {
                // a 408 or similar may come first: read to the end
            }
        }
        catch (final SocketTimeoutException ex)
        {
            throw new AssertionError("the metrics port still held the connection after " + seconds + " s", ex);
        }
        catch (final IOException reset)
        {
            // reset by the server: cut off too
        }
    }
}
