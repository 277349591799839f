package io.zerocp.client;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26, case 1: junixsocket's channel is an {@code InterruptibleChannel}, and one interrupted waiter used to close
 * the socket every thread of the client shares, for good ("the daemon stopped or crashed" from then on, lease
 * renewals failing at DEBUG until the daemon reaped the regions). Now an interrupted call throws
 * {@link RegistryInterruptedException} with its interrupt status kept, and the socket, the lease and every other
 * thread's calls go on; an acquire the daemon granted after its caller gave up is given back.
 * <p>
 * The daemon is a child JVM so it can be stopped ({@code SIGSTOP}) while requests wait for it. Timings are liveness
 * bounds only.
 */
class InterruptTest
{
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** DaemonProcess's TTL: renewals every 1.7 s. */
    private static final long TTL_MS = 5_000;

    private static RegistryClient client(final TestDirs dirs)
    {
        return RegistryClient.builder().socketPath(dirs.socket()).timeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void cancelOfAnAcquireWaitingForAStoppedDaemonThrowsInterruptedAndTheGrantIsGivenBack() throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = client(dirs); SharedRegion keep = client.acquire("keep", 4096))
        {
            keep.buffer().putLongVolatile(0, 0xCAFEL);
            final AtomicReference<Throwable> seen = new AtomicReference<>();
            final AtomicBoolean interruptKept = new AtomicBoolean();
            final AtomicBoolean waiting = new AtomicBoolean();
            Processes.signal("STOP", daemon.pid());
            final Future<?> acquire;
            try
            {
                acquire = pool.submit(() ->
                {
                    waiting.set(true);
                    try (SharedRegion big = client.acquire("big", 1 << 20))
                    {
                        seen.set(new AssertionError("acquired " + big + " from a stopped daemon"));
                    }
                    catch (final Throwable ex)
                    {
                        interruptKept.set(Thread.currentThread().isInterrupted());
                        seen.set(ex);
                    }
                });
                await().atMost(BOUND).untilTrue(waiting);
                Processes.sleep(300); // sent, and waiting for the answer
                acquire.cancel(true);
                await().atMost(BOUND).until(() -> null != seen.get());
            }
            finally
            {
                Processes.signal("CONT", daemon.pid());
            }
            assertInstanceOf(RegistryInterruptedException.class, seen.get(), () -> String.valueOf(seen.get()));
            assertTrue(interruptKept.get(), "the interrupt status is kept");

            // The socket is the same one: this thread, another thread, the lease all still work.
            client.ping();
            pool.submit(client::ping).get(30, TimeUnit.SECONDS);
            assertEquals(4096, client.shmSize("keep"));
            // The daemon answered the abandoned GET_SHM_PATH:big once it resumed: the client gives that hold back.
            await().atMost(BOUND).until(() -> List.of("\"keep\"").equals(Processes.holds(dirs.socket())));
            outlivesTwoTtls(dirs, keep);
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void cancelOfAnAcquireInProgressAtAHealthyDaemonLeavesTheClientWorking() throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = client(dirs); SharedRegion keep = client.acquire("keep", 4096))
        {
            for (int round = 0; round < 5; round++)
            {
                final String name = "big" + round;
                final AtomicReference<Throwable> seen = new AtomicReference<>();
                final Future<?> acquire = pool.submit(() ->
                {
                    try (SharedRegion big = client.acquire(name, 256L << 20)) // reserving takes the daemon a while
                    {
                        big.buffer().putLongVolatile(0, 1);
                    }
                    catch (final Throwable ex)
                    {
                        seen.set(ex);
                    }
                });
                Processes.sleep(20);
                acquire.cancel(true);
                pool.submit(() -> { }).get(60, TimeUnit.SECONDS); // the cancelled task has finished
                if (null != seen.get())
                {
                    assertInstanceOf(RegistryInterruptedException.class, seen.get(), () -> seen.get().toString());
                }
                client.ping();
                pool.submit(client::ping).get(30, TimeUnit.SECONDS);
            }
            await().atMost(BOUND).until(() -> List.of("\"keep\"").equals(Processes.holds(dirs.socket())));
            outlivesTwoTtls(dirs, keep);
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    /** Pings wait at a stopped daemon while a renewal is due; shutdownNow interrupts them all. */
    @Test
    void shutdownNowOfPingersWaitingAtAStoppedDaemonLeavesTheLeaseAndTheSocketWorking() throws Exception
    {
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = client(dirs); SharedRegion keep = client.acquire("keep", 4096))
        {
            final ExecutorService pingers = Executors.newFixedThreadPool(8);
            final List<Throwable> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            final AtomicInteger kept = new AtomicInteger();
            Processes.signal("STOP", daemon.pid());
            try
            {
                for (int i = 0; i < 8; i++)
                {
                    pingers.submit(() ->
                    {
                        try
                        {
                            client.ping();
                        }
                        catch (final Throwable ex)
                        {
                            seen.add(ex);
                            kept.addAndGet(Thread.currentThread().isInterrupted() ? 1 : 0);
                        }
                    });
                }
                Processes.sleep(TTL_MS / 3 + 500); // a renewal came due meanwhile and waits too
                pingers.shutdownNow();
                assertTrue(pingers.awaitTermination(60, TimeUnit.SECONDS));
            }
            finally
            {
                Processes.signal("CONT", daemon.pid());
            }
            assertEquals(8, seen.size(), seen::toString);
            for (final Throwable ex : seen)
            {
                assertInstanceOf(RegistryInterruptedException.class, ex, ex::toString);
            }
            assertEquals(8, kept.get(), "every interrupted thread keeps its interrupt status");
            client.ping();
            outlivesTwoTtls(dirs, keep);
        }
    }

    /** 10,000 interrupts at random moments into threads using the client: only they fail, and only as interrupted. */
    @Test
    void aStormOfTenThousandInterruptsLeavesTheClientUsable() throws Exception
    {
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = client(dirs); SharedRegion keep = client.acquire("keep", 4096))
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final Map<String, Integer> outcomes = new ConcurrentHashMap<>();
            final List<Throwable> wrong = new java.util.concurrent.CopyOnWriteArrayList<>();
            final List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++)
            {
                final int id = w;
                workers.add(new Thread(() ->
                {
                    int i = 0;
                    while (!stop.get())
                    {
                        try
                        {
                            switch (i++ % 3)
                            {
                                case 0 -> client.ping();
                                case 1 -> client.shmSize("keep");
                                default ->
                                {
                                    try (SharedRegion r = client.acquire("storm" + id, 4096))
                                    {
                                        r.buffer().putLongVolatile(0, i);
                                    }
                                }
                            }
                            outcomes.merge("ok", 1, Integer::sum);
                        }
                        catch (final RegistryInterruptedException ex)
                        {
                            outcomes.merge("interrupted", 1, Integer::sum);
                            if (!Thread.interrupted())
                            {
                                wrong.add(new AssertionError("interrupt status not kept", ex));
                            }
                        }
                        catch (final Throwable ex)
                        {
                            wrong.add(ex);
                        }
                        Thread.interrupted(); // an interrupt that came after the call: not this call's
                    }
                }, "storm-" + w));
            }
            workers.forEach(Thread::start);
            for (int n = 0; n < 10_000; n++)
            {
                workers.get(ThreadLocalRandom.current().nextInt(workers.size())).interrupt();
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(20_000, 200_000));
            }
            stop.set(true);
            for (final Thread worker : workers)
            {
                worker.join(60_000);
            }
            assertTrue(wrong.isEmpty(), () -> wrong.size() + " wrong outcome(s), first: " + wrong.get(0) + " " +
                outcomes);
            assertTrue(outcomes.getOrDefault("interrupted", 0) > 0, outcomes::toString);
            client.ping();
            try (SharedRegion after = client.acquire("after", 4096))
            {
                after.buffer().putLongVolatile(0, 1);
            }
            await().atMost(BOUND).until(() -> List.of("\"keep\"").equals(Processes.holds(dirs.socket())));
            outlivesTwoTtls(dirs, keep);
        }
    }

    /** The lease still renews: two TTLs later the region is still held by this client and valid. */
    private static void outlivesTwoTtls(final TestDirs dirs, final SharedRegion keep)
    {
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * TTL_MS);
        while (System.nanoTime() - until < 0)
        {
            Processes.sleep(500);
            assertTrue(Processes.holds(dirs.socket()).contains("\"keep\""), "the lease lapsed");
        }
        assertTrue(keep.isValid());
    }
}
