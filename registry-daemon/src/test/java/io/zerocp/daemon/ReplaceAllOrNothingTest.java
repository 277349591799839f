package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 25, case 3: {@code --replace} is all or nothing. Before, the successor confirmed the takeover and only then
 * bound its metrics port: a squatter on that port made it exit after the old daemon had gone, leaving no daemon, a
 * dead socket file and the squatter's page as the metrics. Now the successor acquires everything before it confirms,
 * so a failure leaves the old daemon serving, with its own metrics. Real processes; the suite's transport.
 */
class ReplaceAllOrNothingTest
{
    @Test
    void aSquattedMetricsPortLeavesTheOldDaemonServingAndTheSamePortStillHandsOver() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        final int oldPort = MetricsScrape.freePort();
        try (TestDirs dirs = new TestDirs();
            ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            ChildJvm old = daemon(dirs, oldPort))
        {
            old.awaitPrinted("zerocpd listening");
            assertTrue(scrape(oldPort).contains("zerocp_"), "the old daemon serves its metrics");
            final int squatted = squatter.getLocalPort();

            try (ChildJvm successor = daemon(dirs, squatted, "--replace"))
            {
                assertEquals(1, successor.waitFor(90, TimeUnit.SECONDS), successor.output());
                assertTrue(successor.output().contains("metrics port " + squatted), successor.output());
                assertTrue(successor.output().contains("the running daemon serves on"), successor.output());
            }
            old.awaitPrinted("serving " + dirs.socket() + " again");
            assertTrue(old.process().isAlive(), old.output());
            assertTrue(Files.exists(dirs.socket()), "the socket file is intact");
            assertEquals("PONG", ping(dirs));
            assertTrue(scrape(oldPort).contains("zerocp_"), "the old daemon's metrics are its own again\n" +
                old.output());

            // The usual upgrade, on the very same metrics port: the old daemon lets go of it while paused.
            try (ChildJvm next = daemon(dirs, oldPort, "--replace"))
            {
                next.awaitPrinted("zerocpd listening");
                assertEquals(0, old.waitFor(60, TimeUnit.SECONDS), old.output());
                assertEquals("PONG", ping(dirs));
                assertTrue(scrape(oldPort).contains("zerocp_"), next.output());
                next.process().destroy();
                assertEquals(0, next.waitFor(30, TimeUnit.SECONDS), next.output());
            }
        }
    }

    private static ChildJvm daemon(final TestDirs dirs, final int metricsPort, final String... extra)
    {
        final String[] args = new String[8 + extra.length];
        System.arraycopy(new String[] {"--socket", dirs.socket().toString(), "--shm-dir", dirs.shmDir().toString(),
            "--lease-ttl-ms", "600000", "--metrics-port", Integer.toString(metricsPort)}, 0, args, 0, 8);
        System.arraycopy(extra, 0, args, 8, extra.length);
        return ChildJvm.start(Zerocpd.class, args);
    }

    private static String ping(final TestDirs dirs)
    {
        return PythonPeer.run(dirs.socket(), String.join("\n",
            "s = sock(b'\\0replace-ping-%d' % os.getpid())",
            "print(ask(s, b'PING')[0])")).strip();
    }

    private static String scrape(final int port)
    {
        return new String(MetricsScrape.get(port, null).body(), StandardCharsets.UTF_8);
    }
}
