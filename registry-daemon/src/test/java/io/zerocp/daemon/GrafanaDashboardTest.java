package io.zerocp.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code packaging/grafana-dashboard.json} is a Grafana dashboard with the panels operators need, and every metric its
 * queries name is one a real daemon serves (so a renamed metric cannot leave a panel silently empty).
 */
final class GrafanaDashboardTest
{
    private static final Path DASHBOARD = Path.of("..", "packaging", "grafana-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\b(?:zerocp|jvm|process)_[a-z_]+");
    private static final List<String> SUFFIXES = List.of("", "_total", "_bucket", "_sum", "_count");

    @Test
    void dashboardHasThePanelsAndNamesOnlyServedMetrics() throws Exception
    {
        final JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        assertTrue(dashboard.path("schemaVersion").asInt() >= 36, "schemaVersion");
        assertEquals("zerocpd", dashboard.path("uid").asText());
        assertFalse(dashboard.path("title").asText().isEmpty());

        final Set<Integer> ids = new HashSet<>();
        final Set<String> titles = new TreeSet<>();
        final Set<String> named = new TreeSet<>();
        for (final JsonNode panel : dashboard.path("panels"))
        {
            assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique");
            assertTrue(panel.path("gridPos").has("w") && panel.path("gridPos").has("y"), "gridPos of " + panel);
            titles.add(panel.path("title").asText().toLowerCase());
            if ("row".equals(panel.path("type").asText()))
            {
                continue;
            }
            assertTrue(panel.path("targets").size() > 0, "queries of " + panel.path("title"));
            for (final JsonNode target : panel.path("targets"))
            {
                final Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find())
                {
                    named.add(m.group());
                }
            }
        }
        for (final String topic : List.of("request rate", "latency", "error", "regions and bytes", "sessions",
            "reaps", "top holders", "heap", "gc", "descriptors"))
        {
            assertTrue(titles.stream().anyMatch(t -> t.contains(topic)), "a panel about " + topic + " in " + titles);
        }

        final int port = MetricsScrape.freePort();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.metricsPort(port));
             RawClient client = new RawClient(daemon.socket()))
        {
            // a session, so the per-uid families have a series (a family with none is not served)
            assertTrue(client.ask("REGISTER:process_id=" + ProcessHandle.current().pid()).startsWith("OK"));
            final MetricsScrape scrape = MetricsScrape.protobuf(port);
            for (final String name : named)
            {
                assertTrue(SUFFIXES.stream().anyMatch(suffix -> name.endsWith(suffix) &&
                    scrape.has(name.substring(0, name.length() - suffix.length())) ||
                    scrape.has(name)), "the dashboard names " + name + ", which the daemon does not serve");
            }
        }
        assertTrue(named.contains("zerocp_request_duration_seconds_bucket") && named.contains("zerocp_uid_held_bytes"));
    }
}
