package io.zerocp.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timeout is a bound on each call, whatever other threads and the heartbeat are doing: calls queued behind others
 * on the one socket give up at their own deadline. The slack allowed (1.5 s) is for a loaded 2-core machine; before
 * the fix eight threads failed at 3, 6, 9 ... 24 s.
 */
class TimeoutBoundTest
{
    private static final long TIMEOUT_MS = 2_000;
    private static final long SLACK_MS = 1_500;

    @Test
    void eightThreadsSharingAClientEachFailWithinTheirTimeout() throws Exception
    {
        try (ScriptedDaemon silent = ScriptedDaemon.silent();
            RegistryClient client = silent.clientBuilder().timeout(Duration.ofMillis(TIMEOUT_MS)).build())
        {
            final ExecutorService threads = Executors.newFixedThreadPool(8);
            try
            {
                final List<Future<Long>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++)
                {
                    calls.add(threads.submit(() ->
                    {
                        final long start = System.nanoTime();
                        assertThrows(RegistryUnavailableException.class, () -> client.shmSize("quiet"));
                        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    }));
                }
                for (final Future<Long> call : calls)
                {
                    final long ms = call.get(60, TimeUnit.SECONDS);
                    assertTrue(ms >= TIMEOUT_MS - 50 && ms <= TIMEOUT_MS + SLACK_MS, "a call took " + ms + " ms");
                }
            }
            finally
            {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void aHeartbeatInProgressDoesNotExtendACall() throws Exception
    {
        final AtomicBoolean registered = new AtomicBoolean();
        // Grants a 300 ms lease, then goes silent: the heartbeat renews every 100 ms and waits on the socket.
        try (ScriptedDaemon daemon = new ScriptedDaemon((d, request, client) ->
            {
                if (request.startsWith("REGISTER") && registered.compareAndSet(false, true))
                {
                    d.send(client, "OK lease_ms=300");
                }
            });
            RegistryClient client = daemon.clientBuilder().register(true).timeout(Duration.ofMillis(TIMEOUT_MS))
                .build())
        {
            for (int i = 0; i < 3; i++)
            {
                final long start = System.nanoTime();
                assertThrows(RegistryUnavailableException.class, () -> client.shmSize("quiet"));
                final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms >= TIMEOUT_MS - 50 && ms <= TIMEOUT_MS + SLACK_MS, "call " + i + " took " + ms + " ms");
            }
            assertTrue(daemon.requests() > 5, "the heartbeat was renewing meanwhile: " + daemon.requests());
        }
    }
}
