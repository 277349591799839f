package io.zerocp.client;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Issue 26, one exception type per cause: a closed client used to throw {@code IllegalStateException} for a new call
 * and "the daemon stopped or crashed" for a call that was waiting when it closed. Both are
 * {@link ClientClosedException} now.
 */
class ClientClosedTest
{
    @Test
    void callsOnAClosedClientAndCallsWaitingWhenItClosesThrowClientClosed() throws Exception
    {
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady())
        {
            final RegistryClient client = RegistryClient.builder().socketPath(dirs.socket())
                .timeout(Duration.ofSeconds(30)).build();
            final AtomicReference<Throwable> waiting = new AtomicReference<>();
            Processes.signal("STOP", daemon.pid());
            try
            {
                final Thread waiter = new Thread(() ->
                {
                    try
                    {
                        client.shmSize("anything");
                        waiting.set(new AssertionError("answered by a stopped daemon"));
                    }
                    catch (final Throwable ex)
                    {
                        waiting.set(ex);
                    }
                });
                waiter.start();
                Processes.sleep(300);
                client.close();
                await().atMost(Duration.ofSeconds(60)).until(() -> null != waiting.get());
            }
            finally
            {
                Processes.signal("CONT", daemon.pid());
            }
            assertInstanceOf(ClientClosedException.class, waiting.get(), () -> waiting.get().toString());
            assertThrows(ClientClosedException.class, client::ping);
            assertThrows(ClientClosedException.class, () -> client.acquire("after", 4096));
            assertThrows(ClientClosedException.class, () -> client.shmPath("after"));
            client.close(); // twice: fine
        }
    }
}
