package io.zerocp.daemon;

import io.prometheus.metrics.expositionformats.generated.Metrics;
import io.zerocp.api.Protocol;
import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scripted sequence of real requests to a real daemon, then scrapes of its metrics endpoint over HTTP: the latency
 * histogram counts exactly the requests sent per verb, and its buckets and sums agree with the round trips the
 * client measured (the daemon's receive-to-reply time lies inside each round trip); per-uid, reap, refusal, old and
 * JVM figures are what the script made.
 */
final class MetricsScrapeTest
{
    private static final String DURATION = "zerocp_request_duration_seconds";
    private static final long PID = ProcessHandle.current().pid();

    /** Sends requests and keeps each round trip the client saw, by the verb label the daemon should use. */
    private static final class Script
    {
        final Map<String, List<Long>> roundTrips = new HashMap<>();

        String ask(final RawClient client, final String label, final byte[] request)
        {
            final long start = System.nanoTime();
            final String reply = client.ask(request);
            roundTrips.computeIfAbsent(label, k -> new ArrayList<>()).add(System.nanoTime() - start);
            return reply;
        }

        String ask(final RawClient client, final String request)
        {
            final int colon = request.indexOf(':');
            return ask(client, colon < 0 ? request : request.substring(0, colon),
                request.getBytes(StandardCharsets.US_ASCII));
        }

        long count(final String label)
        {
            return roundTrips.getOrDefault(label, List.of()).size();
        }
    }

    @Test
    void histogramsPerUidAndOldNamesAfterAScriptedSequence()
    {
        final int port = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.metricsPort(port).lingerMs(0).maxRegionSize(1 << 20));
             RawClient a = new RawClient(daemon.socket());
             RawClient b = new RawClient(daemon.socket()))
        {
            final MetricsScrape before = MetricsScrape.protobuf(port);
            final double regionsBefore = before.value("zerocp_regions");
            final double bytesBefore = before.value("zerocp_region_bytes");
            final Script s = new Script();

            for (int i = 0; i < 7; i++)
            {
                assertEquals("PONG", s.ask(a, "PING"));
            }
            assertTrue(s.ask(a, "REGISTER:process_id=" + PID).startsWith(Protocol.LEASE_REPLY_PREFIX));
            assertEquals(daemon.regionFile("metrics_a").toString(), s.ask(a, "GET_SHM_PATH:metrics_a,size=4096"));
            assertEquals(daemon.regionFile("metrics_b").toString(), s.ask(a, "GET_SHM_PATH:metrics_b,size=8192"));
            for (int i = 0; i < 3; i++)
            {
                assertEquals("4096", s.ask(a, "GET_SHM_SIZE:metrics_a"));
            }
            assertEquals("ERROR: Unknown command", s.ask(a, "unparsed", "NO_SUCH_VERB".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("ERROR: Unknown command", s.ask(a, "unparsed", "ALSO_NOT_A_VERB".getBytes(StandardCharsets.US_ASCII)));
            final byte[] tooLong = new byte[Protocol.MAX_REQUEST_LENGTH + 1];
            Arrays.fill(tooLong, (byte)'P');
            assertEquals("ERROR: Message too long", s.ask(a, "unparsed", tooLong));
            assertEquals("ERROR: Invalid argument", s.ask(a, "GET_SHM_PATH:metrics_huge,size=" + (2 << 20)));
            assertEquals("OK", s.ask(a, "RELEASE:metrics_a")); // its last hold: reaped at once (linger 0)
            assertTrue(s.ask(b, "REGISTER:process_id=" + PID).startsWith(Protocol.LEASE_REPLY_PREFIX));
            assertEquals(daemon.regionFile("metrics_c").toString(), s.ask(b, "GET_SHM_PATH:metrics_c,size=16384"));
            assertEquals(daemon.regionFile("metrics_b").toString(), s.ask(b, "GET_SHM_PATH:metrics_b,size=8192"));

            final MetricsScrape first = MetricsScrape.protobuf(port);
            assertLatencyMatches(first, s);
            assertEquals(7, first.value("zerocp_requests_total", "verb", "PING"));
            assertEquals(3, first.value("zerocp_requests_total", "verb", "unparsed"));
            assertEquals(2, first.value("zerocp_errors_total", "error", "Unknown command"));
            assertEquals(1, first.value("zerocp_refusals_total", "limit", "max_region_size"));
            assertEquals(1, first.value("zerocp_refusals_total", "limit", "request_length"));
            assertEquals(0, first.value("zerocp_refusals_total", "limit", "token_quota"));
            assertEquals(1, first.value("zerocp_regions_reaped_total"));
            assertEquals(1, first.value("zerocp_regions_reaped_by_cause_total", "cause", "release"));
            assertEquals(before.value("zerocp_regions_created_total") + 3, first.value("zerocp_regions_created_total"));
            assertEquals(2, first.value("zerocp_sessions_started_total"));
            assertEquals(2, first.value("zerocp_sessions"));
            assertEquals(regionsBefore + 2, first.value("zerocp_regions"));
            assertEquals(bytesBefore + 8192 + 16384, first.value("zerocp_region_bytes"));
            // Every session is this process's uid (kernel credentials) or "unknown" (junixsocket): a holds b; b holds c
            // and b.
            final String uid = daemon.daemon().kernelCredentials() ?
                Long.toString(new com.sun.security.auth.module.UnixSystem().getUid()) : "unknown";
            assertEquals(2, first.value("zerocp_uid_sessions", "uid", uid));
            assertEquals(3, first.value("zerocp_uid_holds", "uid", uid));
            assertEquals(8192 + 16384 + 8192, first.value("zerocp_uid_held_bytes", "uid", uid));
            assertEquals(1, first.value("zerocp_uids"));
            // JVM and process metrics of the client's instrumentation
            assertTrue(first.value("jvm_memory_used_bytes", "area", "heap") > 0);
            assertTrue(first.value("jvm_threads_current") > 0);
            assertTrue(first.value("process_open_fds") > 0);
            assertTrue(first.value("process_resident_memory_bytes") > 0);
            assertTrue(first.has("jvm_gc_collection_seconds"));

            assertEquals("OK", s.ask(b, "RELEASE")); // b's session ends: c goes, b stays (a holds it)
            final MetricsScrape second = MetricsScrape.protobuf(port);
            assertLatencyMatches(second, s);
            assertEquals(1, second.value("zerocp_regions_reaped_by_cause_total", "cause", "sessionRelease"));
            assertEquals(2, second.value("zerocp_regions_reaped_total"));
            assertEquals(1, second.value("zerocp_sessions_ended_total", "cause", "release"));
            assertEquals(1, second.value("zerocp_uid_sessions", "uid", uid));
            assertEquals(1, second.value("zerocp_uid_holds", "uid", uid));
            assertEquals(8192, second.value("zerocp_uid_held_bytes", "uid", uid));
        }
    }

    /** Each token limit and the AUTH throttle count under their own label. */
    @Test
    void refusalsByTokenLimitsAndTheAuthThrottle()
    {
        final int port = MetricsScrape.freePort();
        final String token = io.zerocp.testkit.TestTokens.newToken();
        final String json = "{\"metrics-port\": " + port + ", \"auth-failures-per-sender\": 2, " +
            "\"auth-failure-window-ms\": 600000, \"tokens\": [" + io.zerocp.testkit.TestTokens.entry("q",
            token, "\"allow\": [\"q_*\"], \"max-regions\": 1, \"max-region-size\": 8192") + "]}";
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(json);
             RawClient client = new RawClient(daemon.socket());
             RawClient guesser = new RawClient(daemon.socket()))
        {
            assertEquals("OK", client.ask("AUTH:token=" + token));
            assertEquals("ERROR: Quota exceeded", client.ask("GET_SHM_PATH:q_big,size=16384"));
            assertEquals(daemon.regionFile("q_a").toString(), client.ask("GET_SHM_PATH:q_a"));
            assertEquals("ERROR: Quota exceeded", client.ask("GET_SHM_PATH:q_b"));
            assertEquals("ERROR: Quota exceeded", client.ask("GET_SHM_PATH:q_c"));
            assertEquals("ERROR: Unauthorized", guesser.ask("AUTH:token=guess1"));
            assertEquals("ERROR: Unauthorized", guesser.ask("AUTH:token=guess2"));
            assertEquals("ERROR: Too many requests", guesser.ask("AUTH:token=guess3"));

            final MetricsScrape scrape = MetricsScrape.protobuf(port);
            assertEquals(1, scrape.value("zerocp_refusals_total", "limit", "token_region_size"));
            assertEquals(2, scrape.value("zerocp_refusals_total", "limit", "token_quota"));
            assertEquals(1, scrape.value("zerocp_refusals_total", "limit", "auth_throttle"));
            assertEquals(0, scrape.value("zerocp_refusals_total", "limit", "max_region_size"));
            assertEquals(3, scrape.value("zerocp_errors_total", "error", "Quota exceeded"));
            assertEquals(2, scrape.value("zerocp_auth_failures_total"));
        }
    }

    /** Lingering regions keep what took their last hold until they go: here a named release and a lease expiry. */
    @Test
    void reapsAfterALingerAreCountedByCause()
    {
        final int port = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.metricsPort(port).lingerMs(50).leaseTtlMs(500));
             RawClient releasing = new RawClient(daemon.socket());
             RawClient silent = new RawClient(daemon.socket()))
        {
            for (final RawClient client : List.of(releasing, silent))
            {
                assertTrue(client.ask("REGISTER:process_id=" + PID).startsWith(Protocol.LEASE_REPLY_PREFIX));
            }
            assertEquals(daemon.regionFile("linger_a").toString(), releasing.ask("GET_SHM_PATH:linger_a,size=4096"));
            assertEquals(daemon.regionFile("linger_b").toString(), silent.ask("GET_SHM_PATH:linger_b,size=4096"));
            assertEquals("OK", releasing.ask("RELEASE:linger_a"));
            // the silent client's lease runs out after 500 ms; its region goes 50 ms later
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> MetricsScrape.protobuf(port).value("zerocp_regions_reaped_total") == 2);
            final MetricsScrape scrape = MetricsScrape.protobuf(port);
            assertEquals(1, scrape.value("zerocp_regions_reaped_by_cause_total", "cause", "release"));
            assertEquals(1, scrape.value("zerocp_regions_reaped_by_cause_total", "cause", "leaseExpiry"));
            // both leases run out (neither client renews), but only the silent one's took a region with it
            assertTrue(scrape.value("zerocp_sessions_ended_total", "cause", "leaseExpiry") >= 1);
        }
    }

    /**
     * Per verb: the count is what was sent; every request's receive-to-reply time lies within its client round trip,
     * so at each bound at least as many requests are at or below it as round trips were, and the sum is at most the
     * round trips' sum (and more than zero).
     */
    private static void assertLatencyMatches(final MetricsScrape scrape, final Script script)
    {
        assertEquals(io.zerocp.api.Verb.values().length + 1, scrape.family(DURATION).getMetricCount(),
            "one histogram per verb, and one for unparsed requests");
        for (final Metrics.Metric metric : scrape.family(DURATION).getMetricList())
        {
            final String verb = metric.getLabel(0).getValue();
            final Metrics.Histogram histogram = metric.getHistogram();
            final List<Long> trips = script.roundTrips.getOrDefault(verb, List.of());
            assertEquals(trips.size(), histogram.getSampleCount(), verb + " count");
            final long tripNanos = trips.stream().mapToLong(Long::longValue).sum();
            assertTrue(histogram.getSampleSum() <= tripNanos / 1e9, verb + " sum within the round trips");
            assertTrue(trips.isEmpty() || histogram.getSampleSum() > 0, verb + " sum");
            long previous = 0;
            for (final Metrics.Bucket bucket : histogram.getBucketList())
            {
                final double bound = bucket.getUpperBound();
                final long tripsWithin = trips.stream().filter(t -> t / 1e9 <= bound).count();
                assertTrue(bucket.getCumulativeCount() >= tripsWithin,
                    verb + " le=" + bound + ": " + bucket.getCumulativeCount() + " < " + tripsWithin);
                assertTrue(bucket.getCumulativeCount() >= previous, "cumulative");
                previous = bucket.getCumulativeCount();
            }
            assertEquals(histogram.getSampleCount(), previous, verb + ": the last bucket holds them all");
        }
    }

    /** The text format as served by default keeps today's names and lines. */
    @Test
    void textExpositionKeepsTheOldNames()
    {
        final String text = textAfterFivePings();
        for (final String line : List.of(
            "# TYPE zerocp_requests_total counter", "zerocp_requests_total{verb=\"PING\"} 5",
            "# TYPE zerocp_errors_total counter", "# TYPE zerocp_sessions_ended_total counter",
            "# TYPE zerocp_regions gauge", "# TYPE zerocp_region_bytes gauge", "# TYPE zerocp_sessions gauge",
            "# TYPE zerocp_uptime_seconds gauge", "zerocp_regions_reaped_total ", "zerocp_dropped_replies_total ",
            "zerocp_auth_failures_total ", "zerocp_regions_created_total ", "zerocp_regions_deleted_total ",
            "zerocp_sessions_started_total ",
            "# TYPE zerocp_request_duration_seconds histogram",
            "zerocp_request_duration_seconds_count{verb=\"PING\"} 5",
            "zerocp_request_duration_seconds_bucket{verb=\"PING\",le=\"+Inf\"} 5"))
        {
            assertTrue(text.contains(line), "missing: " + line);
        }
    }

    /**
     * The text format parses with a Prometheus text-format parser: the Python client's (python3-prometheus-client),
     * since the Java client writes the format but has no parser for it. Skipped where it is not installed.
     */
    @Test
    void textExpositionParsesWithThePrometheusTextParser() throws Exception
    {
        final Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python) && run(python.toString(), "-c",
            "import prometheus_client.parser").isEmpty(),
            "python3-prometheus-client is not installed (apt-get install python3-prometheus-client): " +
            "the text format was not parsed");
        final String text = textAfterFivePings();
        final Path file = Files.createTempFile("zerocp-metrics-", ".txt");
        try
        {
            Files.writeString(file, text);
            final String parsed = run(python.toString(), "-c", String.join("\n",
                "import sys",
                "from prometheus_client.parser import text_string_to_metric_families",
                "families = list(text_string_to_metric_families(open(sys.argv[1]).read()))",
                "for f in families:",
                "    if f.name == 'zerocp_request_duration_seconds':",
                "        print('type', f.type)",
                "        for s in f.samples:",
                "            if s.name.endswith('_count') and s.labels.get('verb') == 'PING':",
                "                print('ping_count', int(s.value))",
                "    if f.name == 'zerocp_requests':",
                "        print('requests_type', f.type)",
                "print('families', len(families))"), file.toString());
            assertTrue(parsed.contains("type histogram"), parsed);
            assertTrue(parsed.contains("ping_count 5"), parsed);
            assertTrue(parsed.contains("requests_type counter"), parsed);
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    private static String textAfterFivePings()
    {
        final int port = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.metricsPort(port));
             RawClient a = new RawClient(daemon.socket()))
        {
            for (int i = 0; i < 5; i++)
            {
                assertEquals("PONG", a.ask("PING"));
            }
            return new String(MetricsScrape.get(port, null).body(), StandardCharsets.UTF_8);
        }
    }

    /** @return what the command printed on error (empty when it exited 0 and printed nothing there), else stdout. */
    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            return "failed: " + err;
        }
        return out;
    }
}
