package io.zerocp.daemon;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves Prometheus metrics on {@code 127.0.0.1:<port>/metrics} with the Prometheus Java client: the daemon's
 * counters and request latency ({@link DaemonMetrics}), per-uid usage ({@link UidMetrics}), and the JVM and process
 * metrics of the client's JVM instrumentation. Bound to loopback only, because the figures say who uses the host's
 * memory.
 *
 * <p>This is the only class the daemon names that touches the library, and only when a port is configured: without
 * {@code --metrics-port} no library class is loaded at all, so start-up does not pay for it.
 */
final class MetricsEndpoint implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final HTTPServer server;
    private final ExecutorService executor;
    private boolean closed;

    private MetricsEndpoint(final HTTPServer server, final ExecutorService executor)
    {
        this.server = server;
        this.executor = executor;
    }

    /**
     * @param uidUsage asks the conductor for the per-uid table on each scrape.
     */
    static MetricsEndpoint start(final int port, final DaemonCounters counters, final UidUsage.Requests uidUsage)
        throws IOException
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new DaemonMetrics(counters));
        registry.register(new UidMetrics(uidUsage));
        JvmMetrics.builder().register(registry);
        // One thread: scrapes are rare, and each per-uid table costs the conductor a pass over the sessions.
        final ExecutorService executor = Executors.newSingleThreadExecutor(task ->
        {
            final Thread thread = new Thread(task, "zerocpd-metrics");
            thread.setDaemon(true);
            return thread;
        });
        try
        {
            final HTTPServer server = HTTPServer.builder()
                .inetAddress(InetAddress.getLoopbackAddress())
                .port(port)
                .registry(registry)
                .executorService(executor)
                .buildAndStart();
            LOG.info("metrics on http://{}:{}/metrics", InetAddress.getLoopbackAddress().getHostAddress(),
                server.getPort());
            return new MetricsEndpoint(server, executor);
        }
        catch (final IOException | RuntimeException ex)
        {
            executor.shutdownNow();
            throw new IOException("metrics port " + port + ": " + ex.getMessage(), ex);
        }
    }

    int port()
    {
        return server.getPort();
    }

    /** Stops serving; safe twice. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        server.close();
        executor.shutdownNow();
    }
}
