package io.zerocp.client;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A client process killed with SIGKILL loses its regions through the daemon's pid watch, long before its 30 s
 * lease could run out.
 */
class ClientCrashCleanupTest
{
    private static final long LONG_TTL_MS = 30_000;
    private static final Duration CLEANUP_BOUND = Duration.ofSeconds(10);
    private static final Duration CHILD_START_BOUND = Duration.ofSeconds(60);

    /** Binds an abstract name, registers its own pid, takes the regions named in argv, prints the replies, sleeps. */
    private static final String PYTHON_HOLDER = String.join("\n",
        "import os, socket, sys, time",
        "sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "sock.bind('\\0zerocp-py-%d-%d' % (os.getpid(), time.time_ns()))",
        "sock.settimeout(10)",
        "def ask(request):",
        "    sock.sendto(request.encode('ascii'), sys.argv[1])",
        "    reply = sock.recv(4096).decode()",
        "    print(reply, flush=True)",
        "    return reply",
        "ask('REGISTER:process_id=%d' % os.getpid())",
        "for name in sys.argv[2:]:",
        "    ask('GET_SHM_PATH:' + name)",
        "print('HOLDING', flush=True)",
        "time.sleep(600)");

    @Test
    void killedJvmClientLosesItsRegion()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(LONG_TTL_MS));
            ChildJvm child = ChildJvm.start(HoldingProcess.class, daemon.socket().toString(), "crash_jvm"))
        {
            await().atMost(CHILD_START_BOUND).until(() -> child.printed("HOLDING") || !child.process().isAlive());
            assertTrue(child.printed("HOLDING 1 lease_ms=" + LONG_TTL_MS), child::output);
            assertTrue(Files.exists(daemon.regionFile("crash_jvm")));

            child.kill9();

            await().atMost(CLEANUP_BOUND).until(() -> !Files.exists(daemon.regionFile("crash_jvm")));
            try (RawClient probe = new RawClient(daemon.socket()))
            {
                assertEquals("ERROR: No such region", probe.ask("GET_SHM_SIZE:crash_jvm"));
            }
        }
    }

    @Test
    void killedPythonClientLosesItsRegion() throws Exception
    {
        assumeTrue(hasPython(), "python3 is not installed");
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(LONG_TTL_MS)))
        {
            final Process python = new ProcessBuilder("python3", "-c", PYTHON_HOLDER, daemon.socket().toString(),
                "crash_py").redirectErrorStream(true).start();
            try
            {
                final List<String> lines = readUntil(python, "HOLDING");
                assertEquals(List.of("OK lease_ms=" + LONG_TTL_MS, daemon.regionFile("crash_py").toString(),
                    "HOLDING"), lines);
                assertTrue(Files.exists(daemon.regionFile("crash_py")));

                python.destroyForcibly(); // SIGKILL
                assertTrue(python.waitFor(10, TimeUnit.SECONDS));

                await().atMost(CLEANUP_BOUND).until(() -> !Files.exists(daemon.regionFile("crash_py")));
            }
            finally
            {
                python.destroyForcibly();
                python.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void oneOfTwoHoldersKilledTheRegionStaysUntilTheOtherReleases()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(LONG_TTL_MS));
            RegistryClient survivor = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion kept = survivor.acquire("shared_two", 4096);
            ChildJvm victim = ChildJvm.start(HoldingProcess.class, daemon.socket().toString(),
                "shared_two", "victim_only"))
        {
            await().atMost(CHILD_START_BOUND).until(() -> victim.printed("HOLDING") || !victim.process().isAlive());
            assertTrue(victim.printed("HOLDING 2"), victim::output);
            kept.buffer().putLongVolatile(0, 0xC0FFEEL);

            victim.kill9();

            // Its region of its own goes with the same session end that drops its hold on the shared one.
            await().atMost(CLEANUP_BOUND).until(() -> !Files.exists(daemon.regionFile("victim_only")));
            assertTrue(Files.exists(daemon.regionFile("shared_two")));
            assertEquals(0xC0FFEEL, firstLongOnDisk(daemon, "shared_two"));

            kept.close(); // the last hold: RELEASE, then the linger
            await().atMost(CLEANUP_BOUND).until(() -> !Files.exists(daemon.regionFile("shared_two")));
        }
    }

    static long firstLongOnDisk(final EmbeddedDaemon daemon, final String name)
    {
        try
        {
            final byte[] bytes = Files.readAllBytes(daemon.regionFile(name));
            return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getLong(0);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static boolean hasPython()
    {
        try
        {
            final Process p = new ProcessBuilder("python3", "-c", "pass").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Reads the child's lines up to {@code last}; the child gives up by itself (socket timeout) if stuck. */
    private static List<String> readUntil(final Process process, final String last) throws IOException
    {
        final List<String> lines = new ArrayList<>();
        final BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while (null != (line = out.readLine()))
        {
            lines.add(line);
            if (line.equals(last))
            {
                return lines;
            }
        }
        return fail("child ended before '" + last + "': " + lines);
    }
}
