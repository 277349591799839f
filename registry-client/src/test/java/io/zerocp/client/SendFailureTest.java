package io.zerocp.client;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the client does when its request cannot be sent: no daemon (no socket file, or a file nobody is bound to) is
 * a clear {@link RegistryUnavailableException} once the timeout is up; a full receive queue at a stopped daemon
 * ({@code SIGSTOP}) is back-pressure: the call waits and succeeds when the daemon resumes within the timeout, or
 * fails saying the queue stayed full. Elapsed times are checked only as generous liveness bounds.
 */
class SendFailureTest
{
    private static final long TIMEOUT_MS = 1_000;
    private static final long SLACK_MS = 5_000;

    @Test
    void noSocketFileIsADaemonDownErrorWithinTheTimeout()
    {
        try (TestDirs dirs = new TestDirs())
        {
            final long start = System.nanoTime();
            final RegistryUnavailableException down = assertThrows(RegistryUnavailableException.class,
                () -> client(dirs.socket()).close());
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(down.getMessage().contains("no zerocpd serves " + dirs.socket()), down.getMessage());
            assertTrue(down.getMessage().contains("the socket file does not exist"), down.getMessage());
            assertTrue(ms >= TIMEOUT_MS - 50 && ms < TIMEOUT_MS + SLACK_MS, ms + " ms");
        }
    }

    @Test
    void aSocketFileNobodyIsBoundToIsADaemonDownError() throws IOException
    {
        try (TestDirs dirs = new TestDirs())
        {
            // A daemon that died leaves its socket file: sends to it are refused (ECONNREFUSED).
            AFUNIXDatagramChannel.open().bind(AFUNIXSocketAddress.of(dirs.socket())).close();
            final RegistryUnavailableException down = assertThrows(RegistryUnavailableException.class,
                () -> client(dirs.socket()).close());
            assertTrue(down.getMessage().contains("no process is bound to it"), down.getMessage());
        }
    }

    @Test
    void aFullQueueIsBackPressureUntilTheDaemonResumes() throws Exception
    {
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = RegistryClient.builder().socketPath(dirs.socket()).register(false)
                .timeout(Duration.ofSeconds(30)).build())
        {
            signal("STOP", daemon.pid());
            try
            {
                // kill(2) returning is not the stop: wait until every thread of the daemon is stopped, so that no
                // request (the filler's, the client's) can be answered before the resume this test checks for.
                awaitStopped(daemon.pid());
                fill(dirs);
                final AtomicBoolean resumed = new AtomicBoolean();
                final Thread resume = new Thread(() ->
                {
                    sleep(700); // pacing only: the client meets the full queue and retries meanwhile
                    resumed.set(true); // before the signal: an answer seen after this may follow the resume
                    signal("CONT", daemon.pid());
                });
                resume.start();
                assertEquals(4096L, client.shmSize()); // waits out the stop, then the daemon answers
                final boolean answeredAfterResume = resumed.get();
                resume.join();
                // The event, not a duration: the answer came only once the daemon was let go.
                assertTrue(answeredAfterResume, "answered while the daemon was stopped");
            }
            finally
            {
                signal("CONT", daemon.pid());
            }
        }
    }

    @Test
    void aQueueThatStaysFullFailsClearlyAfterTheTimeout() throws Exception
    {
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = RegistryClient.builder().socketPath(dirs.socket()).register(false)
                .timeout(Duration.ofMillis(TIMEOUT_MS)).build())
        {
            signal("STOP", daemon.pid());
            try
            {
                awaitStopped(daemon.pid());
                fill(dirs);
                final long start = System.nanoTime();
                final RegistryUnavailableException full =
                    assertThrows(RegistryUnavailableException.class, client::ping);
                final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(full.getMessage().contains("its receive queue stayed full"), full.getMessage());
                assertTrue(full.getMessage().contains(dirs.socket().toString()), full.getMessage());
                assertTrue(ms < TIMEOUT_MS + SLACK_MS, ms + " ms");
            }
            finally
            {
                signal("CONT", daemon.pid());
            }
            client.ping(); // and it serves again
        }
    }

    private static RegistryClient client(final Path socket)
    {
        return RegistryClient.builder().socketPath(socket).timeout(Duration.ofMillis(TIMEOUT_MS)).build();
    }

    /** Sends PINGs from a socket of its own until the stopped daemon's queue refuses more (send returns 0). */
    private static void fill(final TestDirs dirs) throws IOException
    {
        try (AFUNIXDatagramChannel filler = AFUNIXDatagramChannel.open())
        {
            filler.bind(AFUNIXSocketAddress.of(dirs.socket("filler.sock")));
            filler.configureBlocking(false);
            final AFUNIXSocketAddress daemon = AFUNIXSocketAddress.of(dirs.socket());
            int sent = 0;
            while (filler.send(ByteBuffer.wrap("PING".getBytes(StandardCharsets.US_ASCII)), daemon) > 0)
            {
                assertTrue(++sent < 100_000, "the stopped daemon's queue never filled");
            }
            assertTrue(sent > 0, "nothing could be sent");
        }
    }

    /** Waits until every thread of {@code pid} is stopped ('T' in /proc/PID/task/TID/stat). */
    private static void awaitStopped(final long pid)
    {
        final Path tasks = Path.of("/proc", Long.toString(pid), "task");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() ->
        {
            try (Stream<Path> threads = Files.list(tasks))
            {
                return threads.allMatch(SendFailureTest::isStopped);
            }
        });
    }

    private static boolean isStopped(final Path task)
    {
        try
        {
            final String stat = Files.readString(task.resolve("stat"));
            // pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ')'.
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
        }
        catch (final IOException ex)
        {
            return true; // a thread that ended meanwhile runs nothing
        }
    }

    private static void signal(final String name, final long pid)
    {
        try
        {
            assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor());
        }
        catch (final IOException | InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
