package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TmpfsMount;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue #14 case 5 and #17: a region is made off the conductor. Real daemons, sockets and /dev/shm; a tmpfs mounted
 * for the full filesystem; a child daemon killed with SIGKILL in the middle of a creation.
 */
class RegionCreationTest
{
    private static final long GIB = 1L << 30;
    /** Big enough (>0.5 s to reserve here) that every request below reaches the daemon while it is being made. */
    private static final long SHARED = 2 * GIB;

    @Test
    void aPingFromAnotherClientIsAnsweredWhileABigRegionIsMade() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(1L << 40));
            RawClient maker = new RawClient(daemon.socket());
            RawClient other = new RawClient(daemon.socket()))
        {
            maker.channel().socket().setSoTimeout(120_000);
            maker.send("GET_SHM_PATH:big,size=" + 2 * GIB);
            // Liveness only: while 2 GiB are reserved (>0.3 s here), a PING is answered and the maker has no reply.
            assertEquals("PONG", other.ask("PING"));
            assertNull(poll(maker), "the creation finished before a PING was answered");
            assertEquals("ERROR: No such region", other.ask("GET_SHM_SIZE:big"), "not visible while being made");
            assertEquals(daemon.regionFile("big").toString(), maker.receive());
            assertEquals(2 * GIB, Files.size(daemon.regionFile("big")));
            assertEquals(Long.toString(2 * GIB), other.ask("GET_SHM_SIZE:big"));
        }
    }

    @Test
    void concurrentGetsForTheSameNameAllGetTheSameCompleteRegion() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(1L << 40)))
        {
            final List<RawClient> askers = new ArrayList<>();
            try
            {
                for (int i = 0; i < 4; i++)
                {
                    final RawClient c = new RawClient(daemon.socket());
                    c.channel().socket().setSoTimeout(120_000);
                    askers.add(c);
                }
                askers.get(0).send("GET_SHM_PATH:shared,size=" + SHARED);
                askers.get(1).send("GET_SHM_PATH:shared"); // no size: the one being made
                askers.get(2).send("GET_SHM_PATH:shared,size=" + SHARED);
                askers.get(2).send("GET_SHM_PATH:shared,size=" + SHARED); // a retry: still one reply
                try (RawClient wrongSize = new RawClient(daemon.socket()))
                {
                    assertEquals("ERROR: Size mismatch", wrongSize.ask("GET_SHM_PATH:shared,size=4096"));
                }
                askers.get(3).send("GET_SHM_FD:shared");
                for (int i = 0; i < 3; i++)
                {
                    final String reply = askers.get(i).receive();
                    assertEquals(daemon.regionFile("shared").toString(), reply, "asker " + i);
                    assertEquals(SHARED, Files.size(daemon.regionFile("shared")), "complete when answered");
                }
                assertEquals(Long.toString(SHARED), askers.get(3).receive());
                assertNull(poll(askers.get(2)), "one reply per waiting request, retries included");
                assertEquals(Long.toString(SHARED), askers.get(0).ask("GET_SHM_SIZE:shared"));
            }
            finally
            {
                askers.forEach(RawClient::close);
            }
        }
    }

    @Test
    void aRegionTooBigForASmallTmpfsIsNoSpaceLeavesNothingAndOthersAreServed() throws Exception
    {
        try (TmpfsMount tmpfs = TmpfsMount.mount("64m"))
        {
            final Path mountPoint = tmpfs.path();
            try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.shmDir(mountPoint)
                    .journalReserveBytes(DaemonConfig.MIN_JOURNAL_RESERVE_BYTES).openMaxBytes(1L << 40));
                RawClient a = new RawClient(daemon.socket());
                RawClient b = new RawClient(daemon.socket());
                RawClient other = new RawClient(daemon.socket()))
            {
                assertEquals("ERROR: No space", a.ask("GET_SHM_PATH:huge,size=17179869184"));
                assertFalse(Files.exists(mountPoint.resolve("huge_shm")));
                // Two that each fit but not together: made one after the other, the second finds no room.
                a.send("GET_SHM_PATH:first,size=" + (40L << 20));
                b.send("GET_SHM_PATH:second,size=" + (40L << 20));
                assertEquals("PONG", other.ask("PING"));
                final String first = a.receive();
                final String second = b.receive();
                assertEquals(1, (mountPoint.resolve("first_shm").toString().equals(first) ? 1 : 0) +
                    (mountPoint.resolve("second_shm").toString().equals(second) ? 1 : 0), first + " / " + second);
                final String refused = first.startsWith("ERROR") ? "first" : "second";
                assertEquals("ERROR: No space", first.startsWith("ERROR") ? first : second);
                assertFalse(Files.exists(mountPoint.resolve(refused + "_shm")), "nothing left behind");
                assertEquals("ERROR: No such region", other.ask("GET_SHM_SIZE:" + refused));
                assertEquals("PONG", other.ask("PING"));
            }
        }
    }

    @Test
    void aDaemonKilledMidCreationRestartsWithNoHalfRegion() throws Exception
    {
        final TestDirs dirs = new TestDirs();
        try
        {
            final Path config = Files.writeString(dirs.socketDir().resolve("config.json"),
                "{\"open-max-bytes\": 1099511627776}");
            final Path file = dirs.shmDir().resolve("cut_shm");
            try (ChildJvm daemon = ChildDaemon.start(config, dirs.socket(), dirs.shmDir(), 120);
                RawClient maker = new RawClient(dirs.socket()))
            {
                maker.send("GET_SHM_PATH:cut,size=" + 2 * GIB);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.exists(file) && System.nanoTime() < deadline)
                {
                    Thread.onSpinWait();
                }
                assertTrue(Files.exists(file), "the creation never began");
                daemon.kill9();
            }
            try (ChildJvm daemon = ChildDaemon.start(config, dirs.socket(), dirs.shmDir(), 120);
                RawClient client = new RawClient(dirs.socket()))
            {
                client.channel().socket().setSoTimeout(120_000);
                final String size = client.ask("GET_SHM_SIZE:cut");
                if ("ERROR: No such region".equals(size))
                {
                    assertFalse(Files.exists(file), "a file the restart neither completed nor removed");
                }
                else
                {
                    assertEquals(Long.toString(2 * GIB), size);
                    assertEquals(2 * GIB, Files.size(file), "completed at restart");
                }
                assertEquals(file.toString(), client.ask("GET_SHM_PATH:cut,size=" + 2 * GIB));
                assertEquals(2 * GIB, Files.size(file));
                assertEquals("PONG", client.ask("PING"));
                final String output = daemon.output();
                assertFalse(output.contains("not in the registry"), output);
                // Killed within moments of the file's appearance, 2 GiB in: the restart found the file short.
                System.out.println("restart after kill -9 mid-creation: " +
                    (output.contains("completed region cut") ? "completed the region" : "found it " + size));
            }
        }
        finally
        {
            dirs.close();
        }
    }

    @Test
    void creationsUnderWayAndTheirWaitersAreBounded() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(1L << 40));
            RawClient maker = new RawClient(daemon.socket()))
        {
            maker.channel().socket().setSoTimeout(120_000);
            maker.send("GET_SHM_PATH:blocker,size=" + 2 * GIB); // the worker is busy with it for a while
            final List<RawClient> waiters = new ArrayList<>();
            try
            {
                for (int i = 0; i < RegionCreations.MAX_WAITERS; i++) // with the maker: one more than the bound
                {
                    final RawClient w = new RawClient(daemon.socket());
                    w.channel().socket().setSoTimeout(120_000);
                    waiters.add(w);
                    w.send("GET_SHM_PATH:blocker");
                }
                // One client per creation: a client's socket queues at most 10 unread replies (max_dgram_qlen).
                // All from this test's uid: with kernel credentials that uid's own share of the slots is the bound.
                final int slots = daemon.daemon().kernelCredentials() ? CreationSlots.MAX_PER_UID :
                    RegionCreations.MAX_PENDING;
                final List<RawClient> queued = new ArrayList<>();
                for (int i = 1; i < slots; i++)
                {
                    final RawClient q = new RawClient(daemon.socket());
                    q.channel().socket().setSoTimeout(120_000);
                    queued.add(q);
                    waiters.add(q);
                    q.send("GET_SHM_PATH:queued_" + i + ",size=4096");
                }
                try (RawClient late = new RawClient(daemon.socket()))
                {
                    assertEquals("ERROR: Too many requests", late.ask("GET_SHM_PATH:one_too_many,size=4096"),
                        "past " + slots + " creations under way");
                }
                assertEquals("ERROR: Too many requests", waiters.get(RegionCreations.MAX_WAITERS - 1).receive(),
                    "past " + RegionCreations.MAX_WAITERS + " waiters");
                assertEquals(daemon.regionFile("blocker").toString(), maker.receive());
                for (int i = 0; i < RegionCreations.MAX_WAITERS - 1; i++)
                {
                    assertEquals(daemon.regionFile("blocker").toString(), waiters.get(i).receive(), "waiter " + i);
                }
                for (int i = 0; i < queued.size(); i++)
                {
                    assertEquals(daemon.regionFile("queued_" + (i + 1)).toString(), queued.get(i).receive());
                }
                assertFalse(Files.exists(daemon.regionFile("one_too_many")));
            }
            finally
            {
                waiters.forEach(RawClient::close);
            }
        }
    }

    @Test
    void aCleanStopDuringACreationLeavesNeitherTheFileNorItsRecord() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(1L << 40)))
        {
            final Path file = daemon.regionFile("stopped");
            try (RawClient asker = new RawClient(daemon.socket()))
            {
                asker.send("GET_SHM_PATH:stopped,size=" + 2 * GIB);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.exists(file) && System.nanoTime() < deadline)
                {
                    Thread.onSpinWait();
                }
                assertTrue(Files.exists(file), "the creation never began");
                daemon.restart(); // the stop waits for the file in hand, then undoes the creation nobody was told of
            }
            assertFalse(Files.exists(file), "an unanswered creation left its file");
            try (RawClient client = new RawClient(daemon.socket()))
            {
                assertEquals("ERROR: No such region", client.ask("GET_SHM_SIZE:stopped"));
            }
        }
    }

    @Test
    void aSessionThatEndsWhileItsRegionIsMadeHoldsNothingAndTheRegionGoes() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(1L << 40).lingerMs(0));
            RawClient asker = new RawClient(daemon.socket());
            RawClient other = new RawClient(daemon.socket()))
        {
            asker.channel().socket().setSoTimeout(120_000);
            assertTrue(asker.ask("REGISTER:process_id=" + ProcessHandle.current().pid()).startsWith("OK lease_ms="));
            asker.send("GET_SHM_PATH:orphan,size=" + 2 * GIB);
            asker.send("RELEASE"); // ends the session while its region is being made
            assertEquals("OK", asker.receive());
            assertEquals("ERROR: Not registered", asker.receive(), "no hold for an ended session");
            assertFalse(Files.exists(daemon.regionFile("orphan")), "made for nobody: removed");
            assertEquals("ERROR: No such region", other.ask("GET_SHM_SIZE:orphan"));
        }
    }

    @Test
    void aClientKilledWhileItsRegionIsMadeLeavesNoRegion() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(1L << 40).lingerMs(0));
            RawClient other = new RawClient(daemon.socket()))
        {
            final String script = String.join("\n",
                "import os, socket, sys, time",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind(b'\\0zerocp-creation-kill-%d' % os.getpid())",
                "s.settimeout(10)",
                "s.sendto(b'REGISTER:process_id=%d' % os.getpid(), sys.argv[1]); s.recv(256)",
                "s.sendto(('GET_SHM_PATH:killed,size=' + sys.argv[2]).encode(), sys.argv[1])",
                "print('asked', flush=True)",
                "time.sleep(120)");
            final Process client = new ProcessBuilder("python3", "-c", script, daemon.socket().toString(),
                Long.toString(2 * GIB)).redirectErrorStream(true).start();
            try
            {
                assumeTrue("asked".equals(new java.io.BufferedReader(new java.io.InputStreamReader(
                    client.getInputStream(), StandardCharsets.UTF_8)).readLine()), "skipped: no python3 client");
                final Path file = daemon.regionFile("killed");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.exists(file) && System.nanoTime() < deadline)
                {
                    Thread.onSpinWait();
                }
                client.destroyForcibly();
                assertTrue(client.waitFor(10, TimeUnit.SECONDS));
                // Its session ends (pidfd, or the /proc poll of its registered pid); the region made for it goes.
                final long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (Files.exists(file) && System.nanoTime() < gone)
                {
                    Thread.sleep(10);
                }
                assertFalse(Files.exists(file), "a region made for a dead client stayed");
                assertEquals("ERROR: No such region", other.ask("GET_SHM_SIZE:killed"));
                assertEquals("PONG", other.ask("PING"));
            }
            finally
            {
                client.destroyForcibly();
            }
        }
    }


    /** @return a reply already queued for {@code client}, or {@code null} (never waits). */
    private static String poll(final RawClient client) throws IOException
    {
        client.channel().configureBlocking(false);
        try
        {
            final ByteBuffer buffer = ByteBuffer.allocate(4096);
            return null == client.channel().receive(buffer) ? null :
                new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        }
        finally
        {
            client.channel().configureBlocking(true);
        }
    }
}
