package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics library loads only when a metrics port is given: a real zerocpd in its own JVM answers PING, then
 * {@code jcmd VM.class_hierarchy} lists every class it has loaded.
 */
final class MetricsLoadingTest
{
    private static final Path JCMD = Path.of(System.getProperty("java.home"), "bin", "jcmd");

    @Test
    void withoutAPortNoMetricsClassIsLoaded() throws Exception
    {
        final String classes = loadedClassesOfADaemon();
        assertFalse(classes.contains("io.prometheus."), "a Prometheus class was loaded without --metrics-port");
        for (final String ours : List.of("MetricsEndpoint", "DaemonMetrics", "UidMetrics"))
        {
            assertFalse(classes.contains("io.zerocp.daemon." + ours), ours + " was loaded without --metrics-port");
        }
        assertTrue(classes.contains("io.zerocp.daemon.RequestLatency"), "the listing has the daemon's classes");
    }

    @Test
    void withAPortTheLibraryIsLoaded() throws Exception
    {
        final String classes = loadedClassesOfADaemon("--metrics-port", Integer.toString(MetricsScrape.freePort()));
        assertTrue(classes.contains("io.prometheus.metrics.exporter.httpserver.HTTPServer"));
        assertTrue(classes.contains("io.zerocp.daemon.MetricsEndpoint"));
    }

    private static String loadedClassesOfADaemon(final String... flags) throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(JCMD), "no jcmd in " + JCMD.getParent() + ": cannot list classes");
        try (TestDirs dirs = new TestDirs())
        {
            final List<String> args = new ArrayList<>(List.of(
                "--socket", dirs.socket().toString(), "--shm-dir", dirs.shmDir().toString()));
            args.addAll(List.of(flags));
            try (ChildJvm zerocpd = ChildJvm.start(Zerocpd.class, args.toArray(new String[0]));
                 RawClient client = new RawClient(dirs.socket()))
            {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> "PONG".equals(client.ask("PING")));
                final Process jcmd = new ProcessBuilder(JCMD.toString(), Long.toString(zerocpd.pid()),
                    "VM.class_hierarchy").redirectErrorStream(true).start();
                final String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(jcmd.waitFor(60, TimeUnit.SECONDS), "jcmd did not finish");
                assertEquals(0, jcmd.exitValue(), out);
                zerocpd.process().destroy(); // SIGTERM: a clean stop removes its socket
                assertEquals(0, zerocpd.waitFor(30, TimeUnit.SECONDS), zerocpd.output());
                return out;
            }
        }
    }
}
