package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A client that floods requests and never reads its replies must not stall anyone else: the kernel queues only ten
 * datagrams per socket, so a blocking reply to it would freeze the daemon.
 */
class FloodTest
{
    private static final int ROUND_TRIPS = 1000;
    private static final int MIN_FLOOD = 3000;

    @Test
    void clientThatNeverReadsDoesNotStallOthers() throws InterruptedException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RawClient flooder = new RawClient(daemon.socket());
            RawClient polite = new RawClient(daemon.socket()))
        {
            final String regionPath = daemon.regionFile("flood_region").toString();
            assertEquals(regionPath, polite.ask("GET_SHM_PATH:flood_region,size=8192"));

            final AtomicLong sent = new AtomicLong();
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> flooderFailure = new AtomicReference<>();
            final Thread flood = new Thread(() ->
            {
                try
                {
                    final String[] requests = {"PING", "GET_SHM_SIZE", "GET_SHM_PATH:flood_region", "nonsense"};
                    while (!stop.get() || sent.get() < MIN_FLOOD)
                    {
                        flooder.send(requests[(int)(sent.get() & 3)]);
                        sent.incrementAndGet();
                    }
                }
                catch (final Throwable t)
                {
                    flooderFailure.set(t);
                }
            }, "flooder");
            flood.setDaemon(true); // a blocked send must never keep the test JVM alive
            flood.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.get() >= 100 || null != flooderFailure.get());

            final long floodBefore = sent.get();
            for (int i = 0; i < ROUND_TRIPS; i++)
            {
                switch (i % 3)
                {
                    case 0:
                        assertEquals("PONG", polite.ask("PING"), "round trip " + i);
                        break;
                    case 1:
                        assertEquals("8192", polite.ask("GET_SHM_SIZE:flood_region"), "round trip " + i);
                        break;
                    default:
                        assertEquals(regionPath, polite.ask("GET_SHM_PATH:flood_region"), "round trip " + i);
                        break;
                }
            }
            final long floodDuring = sent.get() - floodBefore;

            stop.set(true);
            flood.join(30_000);
            assertFalse(flood.isAlive(), "flooder is stuck after " + sent.get() + " sends");
            assertNull(flooderFailure.get());
            flooder.close();

            // Requests of the closed flooder may still be queued: replies to a gone socket must cost nothing.
            assertEquals("PONG", polite.ask("PING"));
            try (RawClient late = new RawClient(daemon.socket()))
            {
                assertEquals("PONG", late.ask("PING"));
                assertEquals("8192", late.ask("GET_SHM_SIZE:flood_region"));
            }
            System.out.println("flooder sent " + sent.get() + " requests, " + floodDuring +
                " of them during the round trips");
        }
    }
}
