package io.zerocp.client;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26, case 3: a region the daemon no longer holds for this client (an operator's DELETE, a lease that lapsed
 * while the process was stopped, a daemon that lost its state) used to go unreported: the holder kept writing memory
 * nobody else would map, and {@code SharedRegion} said nothing. Now the lease thread notices within a renewal interval,
 * with no call from the user: {@link SharedRegion#isValid()} turns false, the {@link RegionLostHandler} is called
 * once, on the lease thread, and {@link SharedRegion#verify()} throws {@link RegionLostException}.
 * <p>
 * Real processes: the daemon is a child JVM (TTL 5 s, renewals every 1.7 s); the stopped holder is another.
 */
class RegionLossTest
{
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final long RENEWAL_MS = 5_000 / 3;

    @Test
    void deleteOfAHeldRegionIsReportedOnceAndTheNameCanBeAcquiredAgain()
    {
        final List<String> lost = new CopyOnWriteArrayList<>();
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = RegistryClient.builder().socketPath(dirs.socket())
                .regionLostHandler((name, why) ->
                {
                    lost.add(name + " on " + Thread.currentThread().getName());
                    throw new IllegalStateException("a handler that throws is logged, not fatal");
                }).build();
            SharedRegion kept = client.acquire("kept", 4096))
        {
            final SharedRegion doomed = client.acquire("doomed", 4096);
            doomed.verify();
            try (RawClient admin = new RawClient(dirs.socket()))
            {
                assertEquals("OK", admin.ask("DELETE:doomed"));
            }
            await().atMost(BOUND).until(() -> !doomed.isValid());
            await().atMost(BOUND).until(() -> !lost.isEmpty());
            assertTrue(lost.get(0).startsWith("doomed on zerocp-lease-"), lost::toString);
            final RegionLostException why = assertThrows(RegionLostException.class, doomed::verify);
            assertTrue(why.getMessage().contains("doomed"), why.getMessage());
            assertTrue(kept.isValid());
            kept.verify();

            // Two more renewals: still told once.
            Processes.sleep(2 * RENEWAL_MS + 500);
            assertEquals(1, lost.size(), lost::toString);

            // The user's remedy: acquire again (a new, shared region); closing the lost one gives nothing of it back.
            try (SharedRegion again = client.acquire("doomed", 4096))
            {
                assertTrue(again.isValid());
                doomed.close();
                again.verify();
                assertTrue(Processes.holds(dirs.socket()).contains("\"doomed\""));
            }
            assertEquals(1, lost.size(), lost::toString);
            client.ping();
        }
    }

    @Test
    void aHolderStoppedPastItsTtlLearnsItsRegionWasReapedWhenItResumes()
    {
        try (TestDirs dirs = new TestDirs(); DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            ChildJvm holder = ChildJvm.start(LossWatcher.class, dirs.socket().toString(), "lapsed"))
        {
            final Path file = dirs.shmDir().resolve("lapsed_shm");
            await().atMost(BOUND).until(() -> holder.printed("HOLDING") || !holder.process().isAlive());
            assertTrue(holder.printed("HOLDING"), holder::output);
            Processes.signal("STOP", holder.pid());
            try
            {
                // Silent past its TTL: the daemon ends the lease and reaps the region it alone held.
                await().atMost(BOUND).until(() -> !Files.exists(file));
            }
            finally
            {
                Processes.signal("CONT", holder.pid());
            }
            await().atMost(BOUND).until(() -> holder.printed("VERIFY "));
            assertTrue(holder.printed("LOST lapsed on zerocp-lease-"), holder::output);
            assertTrue(holder.printed("VERIFY RegionLostException"), holder::output);
            Processes.sleep(2 * RENEWAL_MS + 500);
            assertEquals(1, holder.output().split("LOST ", -1).length - 1, holder::output);
            assertFalse(Files.exists(file), "the lost region is not made again by the client's recovery");
        }
    }

    @Test
    void aDaemonWhoseStateDirWasWipedLeavesTheHolderToldItsRegionIsLost()
    {
        final List<String> lost = new CopyOnWriteArrayList<>();
        try (TestDirs dirs = new TestDirs())
        {
            DaemonProcess daemon = DaemonProcess.start(dirs).awaitReady();
            try (RegistryClient client = RegistryClient.builder().socketPath(dirs.socket())
                .timeout(Duration.ofSeconds(30))
                .regionLostHandler((name, why) -> lost.add(name)).build();
                SharedRegion region = client.acquire("wiped", 4096))
            {
                region.buffer().putLongVolatile(0, 0x5EEDL);
                daemon.terminate();
                assertEquals(0, daemon.waitFor(60), daemon::output);
                daemon.close();
                TestDirs.deleteTree(dirs.shmDir().resolve(".zerocpd")); // the daemon's state, journal and all
                daemon = DaemonProcess.start(dirs).awaitReady();

                await().atMost(BOUND).until(() -> !region.isValid());
                await().atMost(BOUND).until(() -> !lost.isEmpty());
                assertEquals(List.of("wiped"), lost);
                assertThrows(RegionLostException.class, region::verify);
                client.ping(); // the client registered again by itself
                Processes.sleep(2 * RENEWAL_MS + 500);
                assertEquals(List.of("wiped"), lost);
            }
            finally
            {
                daemon.close();
            }
        }
    }
}
