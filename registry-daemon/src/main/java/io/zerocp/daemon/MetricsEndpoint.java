package io.zerocp.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zerocp.api.ErrorReply;
import io.zerocp.api.Verb;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Serves the {@code STATS} counters in the Prometheus text format on {@code 127.0.0.1:<port>/metrics}. Off unless a
 * port is configured; bound to loopback only, because the counters say who uses the host's memory.
 */
final class MetricsEndpoint implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final HttpServer server;
    private final DaemonCounters counters;
    private final long startedNs = System.nanoTime();

    private MetricsEndpoint(final HttpServer server, final DaemonCounters counters)
    {
        this.server = server;
        this.counters = counters;
    }

    static MetricsEndpoint start(final int port, final DaemonCounters counters) throws IOException
    {
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 8);
        final MetricsEndpoint endpoint = new MetricsEndpoint(server, counters);
        server.createContext("/metrics", endpoint::serve);
        server.setExecutor(null); // the server's own single thread; scrapes are rare
        server.start();
        LOG.info("metrics on http://{}:{}/metrics", server.getAddress().getHostString(), server.getAddress().getPort());
        return endpoint;
    }

    int port()
    {
        return server.getAddress().getPort();
    }

    private void serve(final HttpExchange exchange) throws IOException
    {
        final byte[] body = render().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    String render()
    {
        final StringBuilder sb = new StringBuilder(4096);
        gauge(sb, "zerocp_uptime_seconds", "Seconds since the daemon started.",
            (System.nanoTime() - startedNs) / 1_000_000_000L);
        sb.append("# HELP zerocp_requests_total Requests received, by verb.\n# TYPE zerocp_requests_total counter\n");
        for (final Verb verb : Verb.values())
        {
            sb.append("zerocp_requests_total{verb=\"").append(verb.name()).append("\"} ")
                .append(counters.requests(verb)).append('\n');
        }
        sb.append("zerocp_requests_total{verb=\"unparsed\"} ").append(counters.unparsedRequests()).append('\n');
        sb.append("# HELP zerocp_errors_total Error replies, by error.\n# TYPE zerocp_errors_total counter\n");
        for (final ErrorReply error : ErrorReply.values())
        {
            sb.append("zerocp_errors_total{error=\"").append(error.message()).append("\"} ")
                .append(counters.errors(error)).append('\n');
        }
        sb.append("# HELP zerocp_sessions_ended_total Sessions ended, by cause.\n")
            .append("# TYPE zerocp_sessions_ended_total counter\n");
        for (final EndCause cause : EndCause.values())
        {
            sb.append("zerocp_sessions_ended_total{cause=\"").append(cause.key).append("\"} ")
                .append(counters.sessionsEnded(cause)).append('\n');
        }
        counter(sb, "zerocp_sessions_started_total", "Sessions started.", counters.sessionsStarted());
        counter(sb, "zerocp_regions_created_total", "Region files created.", counters.regionsCreated());
        counter(sb, "zerocp_regions_reaped_total", "Regions unlinked after their last hold.", counters.regionsReaped());
        counter(sb, "zerocp_regions_deleted_total", "Regions deleted by an operator.", counters.regionsDeleted());
        counter(sb, "zerocp_auth_failures_total", "Failed AUTH requests.", counters.authFailures());
        counter(sb, "zerocp_dropped_replies_total", "Replies dropped (client gone or not reading).",
            counters.droppedReplies());
        gauge(sb, "zerocp_regions", "Regions the daemon owns.", counters.regionsGauge());
        gauge(sb, "zerocp_region_bytes", "Bytes in all regions.", counters.bytesGauge());
        gauge(sb, "zerocp_sessions", "Live sessions (leases).", counters.sessionsGauge());
        return sb.toString();
    }

    private static void counter(final StringBuilder sb, final String name, final String help, final long value)
    {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
            .append(" counter\n").append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(final StringBuilder sb, final String name, final String help, final long value)
    {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
            .append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }

    @Override
    public void close()
    {
        server.stop(0);
    }
}
