package io.zerocp.daemon;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.zerocp.api.Verb;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the conductor recorded comes out of the collector exactly: bucket by bucket, in seconds. */
final class DaemonMetricsTest
{
    @Test
    void latencyBucketsAndSumsInSeconds()
    {
        final DaemonCounters counters = new DaemonCounters();
        counters.latency().record(Verb.PING, 3_000);          // le 5 µs
        counters.latency().record(Verb.PING, 40_000);         // le 50 µs
        counters.latency().record(Verb.PING, 40_000);
        counters.latency().record(Verb.GET_SHM_PATH, 2_000_000_000L); // +Inf
        counters.latency().record(null, 999);                 // le 1 µs

        final MetricSnapshots all = new DaemonMetrics(counters).collect();
        final HistogramSnapshot histogram = (HistogramSnapshot)find(all, "zerocp_request_duration_seconds");
        final HistogramSnapshot.HistogramDataPointSnapshot ping = point(histogram, "PING");
        assertEquals(3, ping.getCount());
        assertEquals(83e-6, ping.getSum(), 1e-12);
        final List<String> nonEmpty = new ArrayList<>();
        for (final ClassicHistogramBucket bucket : ping.getClassicBuckets())
        {
            if (bucket.getCount() > 0)
            {
                nonEmpty.add(bucket.getUpperBound() + "=" + bucket.getCount());
            }
        }
        assertEquals(List.of("5.0E-6=1", "5.0E-5=2"), nonEmpty);
        assertEquals(Double.POSITIVE_INFINITY, point(histogram, "GET_SHM_PATH").getClassicBuckets()
            .getUpperBound(RequestLatency.BUCKETS - 1));
        assertEquals(1, point(histogram, "GET_SHM_PATH").getClassicBuckets().getCount(RequestLatency.BUCKETS - 1));
        assertEquals(2.0, point(histogram, "GET_SHM_PATH").getSum(), 1e-12);
        assertEquals(1, point(histogram, "unparsed").getClassicBuckets().getCount(0));
        assertEquals(0, point(histogram, "RELEASE").getCount());
    }

    @Test
    void refusalsAndReapsByLabel()
    {
        final DaemonCounters counters = new DaemonCounters();
        counters.refused(RefusalLimit.TOKEN_QUOTA);
        counters.refused(RefusalLimit.TOKEN_QUOTA);
        counters.regionReaped(ReapCause.PROCESS_EXIT);
        counters.regionReaped(ReapCause.of(EndCause.LEASE_EXPIRY));

        final MetricSnapshots all = new DaemonMetrics(counters).collect();
        assertEquals(2, counter(all, "zerocp_refusals", "limit", "token_quota"));
        assertEquals(0, counter(all, "zerocp_refusals", "limit", "auth_throttle"));
        assertEquals(RefusalLimit.values().length,
            ((CounterSnapshot)find(all, "zerocp_refusals")).getDataPoints().size(), "every limit has a series");
        assertEquals(1, counter(all, "zerocp_regions_reaped_by_cause", "cause", "processExit"));
        assertEquals(1, counter(all, "zerocp_regions_reaped_by_cause", "cause", "leaseExpiry"));
        assertEquals(2, ((CounterSnapshot)find(all, "zerocp_regions_reaped")).getDataPoints().get(0).getValue());
    }

    private static MetricSnapshot find(final MetricSnapshots all, final String name)
    {
        return all.stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no " + name));
    }

    private static HistogramSnapshot.HistogramDataPointSnapshot point(final HistogramSnapshot h, final String verb)
    {
        return h.getDataPoints().stream().filter(p -> verb.equals(p.getLabels().get("verb"))).findFirst()
            .orElseThrow(() -> new AssertionError("no verb " + verb));
    }

    private static double counter(final MetricSnapshots all, final String name, final String label, final String value)
    {
        return ((CounterSnapshot)find(all, name)).getDataPoints().stream()
            .filter(p -> value.equals(p.getLabels().get(label))).findFirst()
            .orElseThrow(() -> new AssertionError("no " + label + "=" + value)).getValue();
    }
}
