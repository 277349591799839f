package io.zerocp.daemon;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Per-uid sessions, holds and held bytes on each scrape, from a {@link UidUsage} table the conductor computes and
 * hands over (sessions are the conductor's; the scrape thread never reads them). At most {@link #TOP_UIDS} uids get
 * their own series, the rest are summed under {@code uid="other"}. If the conductor does not answer in time the
 * scrape goes on without these series; so it does when the table is not for an anonymous scraper (the conductor
 * answers {@code null}: authentication is on and {@code metrics-per-uid} is not set, see {@link MetricsEndpoint}).
 */
final class UidMetrics implements MultiCollector
{
    /** uids with series of their own; with {@code "other"} at most this many plus one series per metric. */
    static final int TOP_UIDS = 10;
    private static final long WAIT_MS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(UidMetrics.class);

    private final UidUsage.Requests requests;

    UidMetrics(final UidUsage.Requests requests)
    {
        this.requests = requests;
    }

    @Override
    public MetricSnapshots collect()
    {
        final UidUsage usage;
        try
        {
            usage = requests.request(TOP_UIDS).get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return MetricSnapshots.of();
        }
        catch (final ExecutionException | TimeoutException | RuntimeException ex)
        {
            LOG.debug("per-uid metrics left out of this scrape: {}", ex.toString());
            return MetricSnapshots.of();
        }
        if (null == usage)
        {
            return MetricSnapshots.of(); // per-uid figures are STATS's, which this scraper could not ask for
        }
        final GaugeSnapshot.Builder sessions = GaugeSnapshot.builder()
            .name("zerocp_uid_sessions").help("Live sessions by uid (top uids by held bytes, the rest as other).");
        final GaugeSnapshot.Builder holds = GaugeSnapshot.builder()
            .name("zerocp_uid_holds").help("Region holds by uid (top uids by held bytes, the rest as other).");
        final GaugeSnapshot.Builder bytes = GaugeSnapshot.builder()
            .name("zerocp_uid_held_bytes")
            .help("Bytes of the regions held, by uid; a region held by two sessions counts twice.");
        for (final UidUsage.Row row : usage.rows())
        {
            final Labels labels = Labels.of("uid", row.uid());
            sessions.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(row.sessions()).build());
            holds.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(row.holds()).build());
            bytes.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(row.bytes()).build());
        }
        final GaugeSnapshot uids = GaugeSnapshot.builder()
            .name("zerocp_uids").help("Distinct uids with live sessions (unknown counts as one).")
            .dataPoint(GaugeDataPointSnapshot.builder().value(usage.distinctUids()).build()).build();
        return MetricSnapshots.of(sessions.build(), holds.build(), bytes.build(), uids);
    }
}
