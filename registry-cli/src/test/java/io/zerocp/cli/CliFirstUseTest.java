package io.zerocp.cli;

import io.zerocp.testkit.RawClient;
import io.zerocp.daemon.EmbeddedDaemon;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a new user runs into first: bad sizes, no daemon, help, and top's own traffic. */
class CliFirstUseTest
{
    private static final Pattern REQUEST_RATE = Pattern.compile("zerocpd up [^|]+\\| (\\d+) req/s");

    @Test
    void pathRefusesAZeroOrNegativeSizeAndCreatesNothing() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RawClient raw = new RawClient(daemon.socket()))
        {
            final String socket = "--socket=" + daemon.socket();
            for (final String size : List.of("0", "-5"))
            {
                final Run run = run("path", socket, "zero_sized", size);
                assertNotEquals(0, run.exit, "path zero_sized " + size + " -> " + run);
                assertTrue(run.err.contains(size), "names the bad value: " + run);
                assertFalse(Files.exists(daemon.regionFile("zero_sized")), "created a region for size " + size);
            }
            assertTrue(run("path", socket, "zero_sized", "0").err.contains("positive number of bytes"));
            assertEquals("ERROR: No such region", raw.ask("GET_SHM_SIZE:zero_sized"));

            final Run ok = run("path", socket, "sized", "8192");
            assertEquals(0, ok.exit, ok.toString());
            assertEquals("8192", raw.ask("GET_SHM_SIZE:sized"));
        }
    }

    @Test
    void withNoSocketFileEveryCommandFailsAtOnceAndSaysToStartTheDaemon() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path socket = dirs.socket("absent.sock");
            for (final String command : List.of("ping", "ls", "path"))
            {
                final long start = System.nanoTime();
                // A timeout far above the bound below: a client that retried would blow it.
                final Run run = run(command, "--socket=" + socket, "--timeout-ms=60000");
                final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(1, run.exit, run.toString());
                assertTrue(run.err.contains(socket + " does not exist") && run.err.contains("bin/zerocpd --socket " +
                    socket), run.toString());
                assertTrue(tookMs < 20_000, command + " took " + tookMs + " ms");
            }
        }
    }

    @Test
    void whileTheLauncherSaysADaemonIsStartingPingWaitsForItsSocket() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start())
        {
            final CountDownLatch stopped = new CountDownLatch(1);
            final Thread restart = new Thread(() -> daemon.restart(() ->
            {
                stopped.countDown();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // no socket file for a second
            }));
            System.setProperty("zerocp.daemon.starting", "true"); // what bin/zerocp passes while bin/zerocpd runs
            try
            {
                restart.start();
                assertTrue(stopped.await(60, TimeUnit.SECONDS));
                assertFalse(Files.exists(daemon.socket()), "the stopped daemon's socket file is gone");
                final Run run = run("ping", "--socket=" + daemon.socket(), "--timeout-ms=60000");
                assertEquals(0, run.exit, run.toString());
                assertEquals("PONG", run.out.trim());
            }
            finally
            {
                System.clearProperty("zerocp.daemon.starting");
                restart.join(60_000);
            }
        }
    }

    @Test
    void topLeavesItsOwnPollingOutOfTheRequestRate() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start())
        {
            // Three refreshes 200 ms apart on an idle daemon: each sends STATS, LIST and CLIENTS (15 req/s if counted).
            final Run run = run("top", "--socket=" + daemon.socket(), "--iterations=3", "--interval-ms=200");
            assertEquals(0, run.exit, run.toString());
            final Matcher rates = REQUEST_RATE.matcher(run.out);
            int frames = 0;
            while (rates.find())
            {
                frames++;
                assertEquals("0", rates.group(1), run.out);
            }
            assertEquals(3, frames, run.out);

            // Traffic that is not top's own still shows.
            try (RawClient raw = new RawClient(daemon.socket()))
            {
                for (int i = 0; i < 20; i++)
                {
                    raw.ask("PING");
                }
            }
            final Run busy = run("top", "--socket=" + daemon.socket(), "--once", "--interval-ms=100");
            assertEquals(0, busy.exit, busy.toString());
            assertTrue(REQUEST_RATE.matcher(busy.out).find(), busy.out);
        }
    }

    @Test
    void helpListsTheDemoWithItsOptions()
    {
        final Run help = run("--help");
        assertEquals(0, help.exit, help.toString());
        assertTrue(help.out.lines().anyMatch(l -> l.trim().startsWith("demo ")), help.out);
        final Run demo = run("help", "demo");
        assertTrue(demo.out.contains("--socket=PATH") && demo.out.contains("--fps=F") &&
            demo.out.contains("--kill=ROLE@SECONDS") && demo.out.contains("--seconds=N"), demo.out);
    }

    private record Run(int exit, String out, String err)
    {
    }

    private static Run run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = ZerocpCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
