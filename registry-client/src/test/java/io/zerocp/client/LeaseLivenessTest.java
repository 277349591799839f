package io.zerocp.client;

import io.zerocp.testkit.RawClient;
import io.zerocp.daemon.EmbeddedDaemon;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;

import static io.zerocp.client.ClientCrashCleanupTest.firstLongOnDisk;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leases of live processes: what ends them (silence, RELEASE, another process at the address) and what keeps them
 * (any request, the client's heartbeat), and how a client gets its holds back from a daemon that forgot them.
 * Clients here all name this JVM's pid, which stays alive, so only the lease itself can end a session.
 * <p>
 * TTLs are 1.5-2 s: the heartbeat renews at a third of the TTL, so a lease lapses only when this JVM stalls for a
 * whole second or more, which a loaded 2-core machine did do at the 300-600 ms TTLs these tests used to run with.
 */
class LeaseLivenessTest
{
    private static final long SHORT_TTL_MS = 2_000;
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final long OWN_PID = ProcessHandle.current().pid();

    private static String register(final RawClient client)
    {
        return client.ask("REGISTER:process_id=" + OWN_PID);
    }

    private static Object inode(final Path path)
    {
        try
        {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Test
    void silentClientLosesItsRegionAfterTheTtlWhilePingingClientKeepsItsOwn()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(SHORT_TTL_MS));
            RawClient pinger = new RawClient(daemon.socket()))
        {
            assertEquals("OK lease_ms=" + SHORT_TTL_MS, register(pinger));
            assertEquals(daemon.regionFile("pinged").toString(), pinger.ask("GET_SHM_PATH:pinged"));
            final Object pingedInode = inode(daemon.regionFile("pinged"));

            try (RawClient silent = new RawClient(daemon.socket()))
            {
                assertEquals("OK lease_ms=" + SHORT_TTL_MS, register(silent));
                assertEquals(daemon.regionFile("silent").toString(), silent.ask("GET_SHM_PATH:silent"));
            } // closes its socket without RELEASE; the process (this JVM) lives on
            assertTrue(Files.exists(daemon.regionFile("silent")));

            final long start = System.nanoTime();
            await().atMost(BOUND).pollInterval(Duration.ofMillis(SHORT_TTL_MS / 4)).until(() ->
            {
                assertEquals("PONG", pinger.ask("PING"));
                return !Files.exists(daemon.regionFile("silent")) &&
                    System.nanoTime() - start > Duration.ofMillis(3 * SHORT_TTL_MS).toNanos();
            });

            // The pinger's lease was renewed by PING alone: same file, still held, lease still there.
            assertTrue(Files.exists(daemon.regionFile("pinged")));
            assertEquals(pingedInode, inode(daemon.regionFile("pinged")));
            assertEquals("OK lease_ms=" + SHORT_TTL_MS, pinger.ask("RENEW"));
            assertEquals("ERROR: No such region", pinger.ask("GET_SHM_SIZE:silent"));
        }
    }

    @Test
    void releaseOfANameDropsThatHoldAndBareReleaseEndsTheLease()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(30_000));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK lease_ms=30000", register(client));
            for (final String name : new String[]{"rel_a", "rel_b", "rel_c"})
            {
                assertEquals(daemon.regionFile(name).toString(), client.ask("GET_SHM_PATH:" + name));
            }

            assertEquals("OK", client.ask("RELEASE:rel_a"));
            await().atMost(BOUND).until(() -> !Files.exists(daemon.regionFile("rel_a")));
            assertTrue(Files.exists(daemon.regionFile("rel_b")));
            assertTrue(Files.exists(daemon.regionFile("rel_c")));
            assertEquals("OK", client.ask("RELEASE:rel_a")); // again: idempotent
            assertEquals("OK", client.ask("RELEASE:never_was"));
            assertEquals("OK lease_ms=30000", client.ask("RENEW")); // the lease itself is untouched

            assertEquals("OK", client.ask("RELEASE"));
            await().atMost(BOUND).until(() ->
                !Files.exists(daemon.regionFile("rel_b")) && !Files.exists(daemon.regionFile("rel_c")));
            assertEquals("ERROR: Not registered", client.ask("RENEW"));
            assertEquals("OK", client.ask("RELEASE")); // a retried RELEASE never fails
        }
    }

    /** Claimed pids: the junixsocket transport (with kernel credentials a claim is refused: KernelIdentityTest). */
    @Test
    void registerFromTheSameAddressWithAnotherPidReplacesTheSession()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(30_000).lingerMs(0)
                .transport(io.zerocp.daemon.TransportKind.JUNIXSOCKET));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("OK lease_ms=30000", register(client));
            client.ask("GET_SHM_PATH:replaced");
            assertEquals("OK lease_ms=30000", register(client)); // the same process again: nothing changes
            assertTrue(Files.exists(daemon.regionFile("replaced")));

            // Another live process (init) now claims the address: the old session and its holds go at once.
            assertEquals("OK lease_ms=30000", client.ask("REGISTER:process_id=1"));
            assertFalse(Files.exists(daemon.regionFile("replaced")));
            assertEquals("OK lease_ms=30000", client.ask("RENEW"));
        }
    }

    /** A claimed pid of nobody: junixsocket (with kernel credentials any other pid is ERROR: Process mismatch). */
    @Test
    void registerOfADeadPidIsRefused()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.transport(io.zerocp.daemon.TransportKind.JUNIXSOCKET));
            RawClient client = new RawClient(daemon.socket()))
        {
            assertEquals("ERROR: Invalid argument", client.ask("REGISTER:process_id=" + Integer.MAX_VALUE));
            assertEquals("ERROR: Not registered", client.ask("RENEW"));
        }
    }

    @Test
    void heartbeatKeepsTheRegionAcrossManyShortTtlsWithoutTheUserDoingAnything()
    {
        final long ttlMs = SHORT_TTL_MS;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(ttlMs).lingerMs(0));
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion region = client.acquire("beating", 4096))
        {
            assertEquals(ttlMs, client.leaseMs());
            region.buffer().putLongVolatile(0, 0xBEA7L);

            // A silent holder in the same daemon shows that leases really do run out meanwhile.
            try (RawClient silent = new RawClient(daemon.socket()))
            {
                register(silent);
                silent.ask("GET_SHM_PATH:control");
            }
            final long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(daemon.regionFile("control")) &&
                System.nanoTime() - start > Duration.ofMillis(4 * ttlMs).toNanos());

            // With linger 0 a single lapse would have unlinked the file, and recovery would have made a new, empty one.
            assertTrue(Files.exists(daemon.regionFile("beating")));
            assertEquals(0xBEA7L, firstLongOnDisk(daemon, "beating"));
            assertEquals(0xBEA7L, region.buffer().getLongVolatile(0));
        }
    }

    /**
     * Lost state and lost files: the client registers again by itself, and the region, whose file is gone, is reported
     * lost (not silently made again as new memory the mapping does not share).
     */
    @Test
    void clientRegistersAgainByItselfAfterTheDaemonForgotEverythingAndReportsTheWipedRegionLost()
    {
        final long ttlMs = 2_000;
        final java.util.List<String> lost = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.leaseTtlMs(ttlMs).lingerMs(0));
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .regionLostHandler((name, why) -> lost.add(name + " on " + Thread.currentThread().getName())).build())
        {
            final SharedRegion region = client.acquire("phoenix", 4096);
            region.buffer().putLongVolatile(0, 0xF1AE5L);
            final ch.qos.logback.classic.Logger clientLog =
                (ch.qos.logback.classic.Logger)org.slf4j.LoggerFactory.getLogger(LeaseKeeper.class);
            final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
                new ch.qos.logback.core.read.ListAppender<>();
            log.start();
            clientLog.addAppender(log);

            daemon.restart(() ->
            {
                // Lost state: no journal, and the files gone with it (as if the shm dir had been wiped).
                TestDirs.deleteTree(daemon.journalFile());
                TestDirs.deleteTree(daemon.regionFile("phoenix"));
            });
            assertFalse(Files.exists(daemon.regionFile("phoenix")));

            // The heartbeat sees the file gone (and its RENEW refused): the region is lost, the lease is back.
            await().atMost(BOUND).until(() -> !region.isValid() && !lost.isEmpty());
            await().atMost(BOUND).until(() -> log.list.stream().anyMatch(e ->
                e.getLevel() == ch.qos.logback.classic.Level.INFO && e.getFormattedMessage().contains("registering")));
            clientLog.detachAppender(log);
            assertTrue(lost.get(0).startsWith("phoenix on zerocp-lease-"), lost::toString);
            assertThrows(RegionLostException.class, region::verify);
            assertFalse(Files.exists(daemon.regionFile("phoenix")), "a lost region is not made again by the client");

            // The mapping, requests and the lease all still work; acquiring again gives a region that is shared.
            assertEquals(0xF1AE5L, region.buffer().getLongVolatile(0));
            client.ping();
            try (SharedRegion again = client.acquire("phoenix", 4096))
            {
                assertTrue(again.isValid());
                again.verify();
                again.buffer().putLongVolatile(0, 0xA6A1EL);
                assertEquals(0xA6A1EL, ClientCrashCleanupTest.firstLongOnDisk(daemon, "phoenix"));
                region.close(); // the lost one: releases nothing the new one holds
                assertTrue(again.isValid());
                assertTrue(Files.exists(daemon.regionFile("phoenix")));
            }
            await().atMost(BOUND).until(() -> !Files.exists(daemon.regionFile("phoenix")));
            assertEquals(1, lost.size(), lost::toString);
        }
    }

    @Test
    void heartbeatFollowsTheShorterTtlOfARestartedDaemon() throws Exception
    {
        final long longTtlMs = 9_000;
        final long shortTtlMs = 1_500;
        try (EmbeddedDaemon before = EmbeddedDaemon.start(b -> b.leaseTtlMs(longTtlMs).lingerMs(0));
            RegistryClient client = RegistryClient.builder().socketPath(before.socket()).build();
            SharedRegion lostRegion = client.acquire("retimed", 4096))
        {
            assertEquals(longTtlMs, client.leaseMs()); // renews every three seconds from now on
            before.daemon().close();
            TestDirs.deleteTree(before.journalFile());
            TestDirs.deleteTree(before.regionFile("retimed"));
            try (EmbeddedDaemon after = EmbeddedDaemon.start(b -> b.socketPath(before.socket()).shmDir(before.shmDir())
                .leaseTtlMs(shortTtlMs).lingerMs(0)))
            {
                await().atMost(BOUND).until(() -> client.leaseMs() == shortTtlMs && !lostRegion.isValid());
                final SharedRegion region = client.acquire("retimed", 4096); // the old file was wiped: lost
                writeFirstLongOnDisk(after, "retimed", 0x5407L);

                try (RawClient silent = new RawClient(after.socket()))
                {
                    register(silent);
                    silent.ask("GET_SHM_PATH:control");
                }
                final long start = System.nanoTime();
                await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(after.regionFile("control")) &&
                    System.nanoTime() - start > Duration.ofMillis(4 * shortTtlMs).toNanos());

                // A heartbeat still at the old period would have let the lease lapse, and with linger 0 the file
                // would have been unlinked and made again, empty.
                assertEquals(0x5407L, firstLongOnDisk(after, "retimed"));
                region.close();
                client.close(); // while a daemon is there to answer its RELEASE
            }
        }
    }

    private static void writeFirstLongOnDisk(final EmbeddedDaemon daemon, final String name, final long value)
        throws IOException
    {
        try (FileChannel channel = FileChannel.open(daemon.regionFile(name), StandardOpenOption.WRITE))
        {
            final ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value);
            channel.write(bytes, 0);
        }
    }
}
