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
 * memory. Any local user can connect, so the port is built to be shared with them: scrapes are served by
 * {@link #THREADS} threads at once, and a connection that sends no request, or half of one, or does not read its
 * answer, is closed by the JDK's server after {@link #MAX_REQUEST_SECONDS} (resp. {@link #MAX_RESPONSE_SECONDS})
 * seconds (its {@code sun.net.httpserver.maxReqTime} and {@code maxRspTime}, set here unless the operator set them):
 * one idle connection used to hold the only worker thread, and every scrape after it, for as long as it liked.
 * Per-uid figures are shown only where {@code STATS} would show them to anyone (see {@link UidMetrics}).
 *
 * <p>This is the only class the daemon names that touches the library, and only when a port is configured: without
 * {@code --metrics-port} no library class is loaded at all, so start-up does not pay for it.
 */
final class MetricsEndpoint implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    static final int THREADS = 4;
    static final int MAX_REQUEST_SECONDS = 10;
    static final int MAX_RESPONSE_SECONDS = 30;

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
        // Read once, when the JDK's server classes load (the first server in this JVM): set before building it.
        setIfAbsent("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        setIfAbsent("sun.net.httpserver.maxRspTime", MAX_RESPONSE_SECONDS);
        // A few threads: scrapes are rare, but one slow or idle connection must not hold up the others.
        final ExecutorService executor = Executors.newFixedThreadPool(THREADS, task ->
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

    private static void setIfAbsent(final String property, final int seconds)
    {
        if (null == System.getProperty(property))
        {
            System.setProperty(property, Integer.toString(seconds));
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
