package io.zerocp.daemon;

import io.prometheus.metrics.expositionformats.generated.Metrics;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One scrape of a daemon's metrics endpoint over real HTTP, read back with the Prometheus client's own parser: the
 * protobuf exposition ({@code prometheus-metrics-exposition-formats}) and its generated {@code MetricFamily} classes
 * (the Java client writes the text format but has no parser for it).
 */
final class MetricsScrape
{
    /** The Accept header a Prometheus server sends for the protobuf exposition. */
    public static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; " +
        "encoding=delimited";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final Map<String, Metrics.MetricFamily> families;

    private MetricsScrape(final Map<String, Metrics.MetricFamily> families)
    {
        this.families = families;
    }

    /** @return a port free on loopback just now. */
    public static int freePort()
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the body of {@code GET http://127.0.0.1:port/metrics} asked for with {@code accept} (or none). */
    public static HttpResponse<byte[]> get(final int port, final String accept)
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(20));
        if (null != accept)
        {
            request.header("Accept", accept);
        }
        try
        {
            final HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200)
            {
                throw new IllegalStateException("scrape answered HTTP " + response.statusCode());
            }
            return response;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Scrapes in the protobuf format and parses every family. */
    public static MetricsScrape protobuf(final int port)
    {
        final HttpResponse<byte[]> response = get(port, PROTOBUF);
        final String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.contains("application/vnd.google.protobuf"))
        {
            throw new IllegalStateException("asked for protobuf, got " + type);
        }
        final Map<String, Metrics.MetricFamily> families = new HashMap<>();
        try (InputStream in = new ByteArrayInputStream(response.body()))
        {
            Metrics.MetricFamily family;
            while (null != (family = Metrics.MetricFamily.parseDelimitedFrom(in)))
            {
                if (null != families.put(family.getName(), family))
                {
                    throw new IllegalStateException("family " + family.getName() + " twice");
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return new MetricsScrape(families);
    }

    public boolean has(final String family)
    {
        return families.containsKey(family);
    }

    public Metrics.MetricFamily family(final String name)
    {
        final Metrics.MetricFamily family = families.get(name);
        if (null == family)
        {
            throw new AssertionError("no family " + name + " in the scrape; have " + families.keySet());
        }
        return family;
    }

    /** @return the one series of {@code family} whose labels include {@code labels} (name, value, ...). */
    public Metrics.Metric series(final String family, final String... labels)
    {
        final List<Metrics.Metric> found = new ArrayList<>();
        for (final Metrics.Metric metric : family(family).getMetricList())
        {
            if (matches(metric, labels))
            {
                found.add(metric);
            }
        }
        if (found.size() != 1)
        {
            throw new AssertionError(found.size() + " series of " + family + " match " + List.of(labels));
        }
        return found.get(0);
    }

    /** @return the series of {@code family} with those labels, if there is one. */
    public Optional<Metrics.Metric> find(final String family, final String... labels)
    {
        return family(family).getMetricList().stream().filter(m -> matches(m, labels)).findFirst();
    }

    /** @return a counter's or a gauge's value. */
    public double value(final String family, final String... labels)
    {
        final Metrics.Metric metric = series(family, labels);
        switch (family(family).getType())
        {
            case COUNTER:
                return metric.getCounter().getValue();
            case GAUGE:
                return metric.getGauge().getValue();
            default:
                throw new AssertionError(family + " is a " + family(family).getType());
        }
    }

    private static boolean matches(final Metrics.Metric metric, final String... labels)
    {
        for (int i = 0; i < labels.length; i += 2)
        {
            final String name = labels[i];
            final String value = labels[i + 1];
            if (metric.getLabelList().stream().noneMatch(l -> l.getName().equals(name) && l.getValue().equals(value)))
            {
                return false;
            }
        }
        return true;
    }
}
