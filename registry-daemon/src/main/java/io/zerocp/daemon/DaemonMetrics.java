package io.zerocp.daemon;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.zerocp.api.ErrorReply;
import io.zerocp.api.Verb;

/**
 * The daemon's own metrics, read on each scrape from what the conductor wrote ({@link DaemonCounters}, its
 * {@link RequestLatency}): nothing is recorded through the library, so the request path never touches it. The
 * names before this collector existed ({@code zerocp_requests_total}, ...) are kept exactly.
 */
final class DaemonMetrics implements MultiCollector
{
    /** The latency buckets' upper bounds in seconds, the last one {@code +Inf}. */
    private static final double[] UPPER_BOUNDS_SECONDS = upperBoundsSeconds();

    private final DaemonCounters counters;
    private final long startedNs = System.nanoTime();

    DaemonMetrics(final DaemonCounters counters)
    {
        this.counters = counters;
    }

    @Override
    public MetricSnapshots collect()
    {
        final MetricSnapshots.Builder all = MetricSnapshots.builder();
        all.metricSnapshot(gauge("zerocp_uptime_seconds", "Seconds since the daemon started.",
            (System.nanoTime() - startedNs) / 1_000_000_000L));

        final CounterSnapshot.Builder requests = CounterSnapshot.builder()
            .name("zerocp_requests").help("Requests received, by verb.");
        for (final Verb verb : Verb.values())
        {
            requests.dataPoint(point("verb", verb.name(), counters.requests(verb)));
        }
        requests.dataPoint(point("verb", "unparsed", counters.unparsedRequests()));
        all.metricSnapshot(requests.build());

        final CounterSnapshot.Builder errors = CounterSnapshot.builder()
            .name("zerocp_errors").help("Error replies, by error.");
        for (final ErrorReply error : ErrorReply.values())
        {
            errors.dataPoint(point("error", error.message(), counters.errors(error)));
        }
        all.metricSnapshot(errors.build());

        final CounterSnapshot.Builder ended = CounterSnapshot.builder()
            .name("zerocp_sessions_ended").help("Sessions ended, by cause.");
        for (final EndCause cause : EndCause.values())
        {
            ended.dataPoint(point("cause", cause.key, counters.sessionsEnded(cause)));
        }
        all.metricSnapshot(ended.build());

        all.metricSnapshot(counter("zerocp_sessions_started", "Sessions started.", counters.sessionsStarted()));
        all.metricSnapshot(counter("zerocp_regions_created", "Region files created.", counters.regionsCreated()));
        all.metricSnapshot(counter("zerocp_regions_reaped", "Regions unlinked after their last hold.",
            counters.regionsReaped()));
        all.metricSnapshot(counter("zerocp_regions_deleted", "Regions deleted by an operator.",
            counters.regionsDeleted()));
        all.metricSnapshot(counter("zerocp_auth_failures", "Failed AUTH requests.", counters.authFailures()));
        all.metricSnapshot(counter("zerocp_dropped_replies", "Replies dropped (client gone or not reading).",
            counters.droppedReplies()));
        all.metricSnapshot(gauge("zerocp_regions", "Regions the daemon owns.", counters.regionsGauge()));
        all.metricSnapshot(gauge("zerocp_region_bytes", "Bytes in all regions.", counters.bytesGauge()));
        all.metricSnapshot(gauge("zerocp_sessions", "Live sessions (leases).", counters.sessionsGauge()));

        final CounterSnapshot.Builder reaps = CounterSnapshot.builder()
            .name("zerocp_regions_reaped_by_cause")
            .help("Regions unlinked after their last hold, by what took that hold.");
        for (final ReapCause cause : ReapCause.values())
        {
            reaps.dataPoint(point("cause", cause.label, counters.regionsReaped(cause)));
        }
        all.metricSnapshot(reaps.build());

        final CounterSnapshot.Builder refusals = CounterSnapshot.builder()
            .name("zerocp_refusals").help("Requests refused by a limit, by limit.");
        for (final RefusalLimit limit : RefusalLimit.values())
        {
            refusals.dataPoint(point("limit", limit.label, counters.refusals(limit)));
        }
        all.metricSnapshot(refusals.build());

        all.metricSnapshot(latency(counters.latency()));
        return all.build();
    }

    private static HistogramSnapshot latency(final RequestLatency latency)
    {
        final HistogramSnapshot.Builder histogram = HistogramSnapshot.builder()
            .name("zerocp_request_duration_seconds")
            .help("Time from receiving a request to handing its reply to the socket, on the conductor, by verb.")
            .unit(Unit.SECONDS);
        for (int row = 0; row < RequestLatency.ROWS; row++)
        {
            final long[] counts = new long[RequestLatency.BUCKETS];
            for (int b = 0; b < counts.length; b++)
            {
                counts[b] = latency.bucketCount(row, b);
            }
            final Verb verb = RequestLatency.verbOf(row);
            histogram.dataPoint(HistogramDataPointSnapshot.builder()
                .labels(Labels.of("verb", null == verb ? "unparsed" : verb.name()))
                .classicHistogramBuckets(ClassicHistogramBuckets.of(UPPER_BOUNDS_SECONDS, counts))
                .sum(Unit.nanosToSeconds(latency.sumNanos(row)))
                .build());
        }
        return histogram.build();
    }

    private static double[] upperBoundsSeconds()
    {
        final double[] bounds = new double[RequestLatency.BUCKETS];
        for (int b = 0; b < bounds.length; b++)
        {
            final long ns = RequestLatency.upperBoundNs(b);
            bounds[b] = ns == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : Unit.nanosToSeconds(ns);
        }
        return bounds;
    }

    private static CounterDataPointSnapshot point(final String label, final String value, final long count)
    {
        return CounterDataPointSnapshot.builder().labels(Labels.of(label, value)).value(count).build();
    }

    private static CounterSnapshot counter(final String name, final String help, final long value)
    {
        return CounterSnapshot.builder().name(name).help(help)
            .dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    private static GaugeSnapshot gauge(final String name, final String help, final long value)
    {
        return GaugeSnapshot.builder().name(name).help(help)
            .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }
}
