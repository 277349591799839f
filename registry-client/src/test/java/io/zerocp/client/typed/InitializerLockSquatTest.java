package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.RegistryException;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Another process takes a fresh region's initializer lock (slot 2, docs/layouts.md) and never initializes it. An
 * opener must give up at the init timeout with a clear error, not wait for ever (docs/layouts.md's review found the
 * deadline applied only once the state named an initializer).
 */
class InitializerLockSquatTest
{
    @Test
    @Timeout(90) // the old code waited for ever
    void anOpenerGivesUpOnAnInitializerLockThatIsNeverUsed() throws Exception
    {
        assumeTrue(new java.io.File("/usr/bin/python3").canExecute(), "python3 is not available");
        final int capacity = 1024;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(60_000));
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .timeout(Duration.ofSeconds(10)).build())
        {
            // The region exists, zero-filled (state UNINIT), at the ring's length.
            client.acquireRaw("squat", MessageRing.regionLength(capacity)).close();
            final Process squatter = new ProcessBuilder("python3", "-c", String.join("\n",
                "import fcntl, os, sys, time",
                "fd = os.open(sys.argv[1], os.O_RDWR)",
                "fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, (1 << 62) + 2)",
                "print('LOCKED', flush=True)",
                "time.sleep(120)"), daemon.regionFile("squat").toString())
                .redirectErrorStream(true).start();
            try
            {
                final BufferedReader out = new BufferedReader(
                    new InputStreamReader(squatter.getInputStream(), StandardCharsets.US_ASCII));
                assertEquals("LOCKED", out.readLine());
                final long start = System.nanoTime();
                final RegistryException ex = assertThrows(RegistryException.class,
                    () -> MessageRing.manyToOne(client, "squat", capacity));
                final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ex.getMessage().contains("initializer lock"), ex.getMessage());
                assertTrue(waitedMs < 60_000, "gave up after " + waitedMs + " ms"); // liveness bound, not a timing
            }
            finally
            {
                squatter.destroyForcibly();
                squatter.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
