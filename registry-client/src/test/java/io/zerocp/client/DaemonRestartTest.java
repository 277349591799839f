package io.zerocp.client;

import io.zerocp.api.ErrorReply;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restarts of a real {@code zerocpd} process under real client processes: {@code kill -9} and start again loses no
 * region, byte or hold; a second instance refuses; SIGTERM exits 0; the client library rides out the gap.
 */
class DaemonRestartTest
{
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Pattern OK_LINE = Pattern.compile("^OK (\\d+)$", Pattern.MULTILINE);
    private static final Pattern OPS_LINE = Pattern.compile("^OPS (\\d+)$", Pattern.MULTILINE);
    private static final Pattern SUMMARY = Pattern.compile(
        "^SUMMARY id=(\\d+) rounds=(\\d+) wrong=(\\d+) errors=(\\d+) longestRoundMs=(\\d+)$", Pattern.MULTILINE);

    @Test
    void kill9LosesNoRegionByteOrHold() throws IOException
    {
        final int size = 65536;
        final long seed = 42;
        try (TestDirs dirs = new TestDirs();
            DaemonProcess first = DaemonProcess.start(dirs).awaitReady();
            ChildJvm holder = ChildJvm.start(RestartHolder.class,
                dirs.socket().toString(), "kept", Integer.toString(size), Long.toString(seed)))
        {
            await().atMost(LONG).until(() -> holder.printed("FILLED") || !holder.process().isAlive());
            assertTrue(holder.printed("FILLED"), holder::output);
            final Path file = dirs.shmDir().resolve("kept_shm");
            final byte[] expected = new byte[size];
            for (int i = 0; i < size; i++)
            {
                expected[i] = RestartHolder.pattern(seed, i);
            }
            assertArrayEquals(expected, Files.readAllBytes(file));

            first.kill9();
            final long okBeforeRestart = lastNumber(OK_LINE, holder.output());

            try (DaemonProcess second = DaemonProcess.start(dirs).awaitReady();
                RegistryClient observer = RegistryClient.builder().socketPath(dirs.socket()).register(false)
                    .timeout(LONG).build())
            {
                assertTrue(second.output().contains("restored 2 region(s) and 1 session(s)"), second::output);
                // An unregistered client holds what it asks a path for while its process lives (kernel credentials):
                // this one gives it back on close, so only the holder's hold keeps the region.
                try (RegistryClient pathCheck = RegistryClient.builder().socketPath(dirs.socket()).register(false)
                    .timeout(LONG).build())
                {
                    assertEquals(file, pathCheck.shmPath("kept"));
                }
                assertEquals(size, observer.shmSize("kept"));
                assertArrayEquals(expected, Files.readAllBytes(file));

                // The holder goes on through the restart: more good rounds, never an error, and never a lost lease
                // (its session and hold came back from the journal; it did not have to re-register).
                await().atMost(LONG).until(() -> lastNumber(OK_LINE, holder.output()) >= okBeforeRestart + 20);
                assertFalse(holder.output().contains("ERROR"), holder::output);
                assertFalse(holder.output().contains("lapsed"), holder::output);
                assertEquals(size, observer.shmSize("kept"), "held: not reaped after the restart");

                // The restored hold is tied to the holder's pid: when it dies the region goes.
                holder.kill9();
                await().atMost(LONG).until(() -> !Files.exists(file));
                final RegistryException gone = assertThrows(RegistryException.class, () -> observer.shmSize("kept"));
                assertEquals(ErrorReply.NO_SUCH_REGION, gone.error());
            }
        }
    }

    @Test
    void staleLockAndSocketOfAKilledDaemonAreTakenOver() throws IOException
    {
        try (TestDirs dirs = new TestDirs();
            DaemonProcess first = DaemonProcess.start(dirs).awaitReady())
        {
            final Path socketLock = dirs.socket().resolveSibling(dirs.socket().getFileName() + ".lock");
            final Path stateLock = dirs.shmDir().resolve(".zerocpd").resolve("lock");
            first.kill9();
            assertTrue(Files.exists(dirs.socket()), "kill -9 leaves the socket file");
            assertFalse(DaemonProcess.answersPing(dirs.socket()));
            assertEquals(Long.toString(first.pid()), Files.readString(socketLock).trim());
            assertEquals(Long.toString(first.pid()), Files.readString(stateLock).trim());

            try (DaemonProcess second = DaemonProcess.start(dirs).awaitReady())
            {
                assertTrue(second.output().contains("replaced stale socket file " + dirs.socket()), second::output);
                assertEquals(Long.toString(second.pid()), Files.readString(socketLock).trim());
                assertEquals(Long.toString(second.pid()), Files.readString(stateLock).trim());
            }
        }
    }

    @Test
    void holdsOfAClientThatDiedWhileTheDaemonWasDownGoAfterTheRestart()
    {
        try (TestDirs dirs = new TestDirs();
            DaemonProcess first = DaemonProcess.start(dirs).awaitReady();
            ChildJvm holder = ChildJvm.start(RestartHolder.class, dirs.socket().toString(), "orphan", "4096", "7"))
        {
            await().atMost(LONG).until(() -> holder.printed("FILLED") || !holder.process().isAlive());
            assertTrue(holder.printed("FILLED"), holder::output);
            final Path file = dirs.shmDir().resolve("orphan_shm");
            first.kill9();
            holder.kill9();
            assertTrue(Files.exists(file));

            try (DaemonProcess second = DaemonProcess.start(dirs).awaitReady())
            {
                await().atMost(LONG).until(() -> !Files.exists(file));
                assertTrue(second.output().contains(
                    "1 session(s) whose process died while the daemon was down were ended"), second::output);
            }
        }
    }

    @Test
    void secondInstanceRefusesNamingTheHolderAndExitsNonZero()
    {
        try (TestDirs dirs = new TestDirs();
            DaemonProcess first = DaemonProcess.start(dirs).awaitReady();
            DaemonProcess sameSocket = DaemonProcess.start(dirs);
            DaemonProcess sameState = DaemonProcess.start(dirs.socket("other.sock"), dirs.shmDir()))
        {
            final int sameSocketExit = sameSocket.waitFor(60);
            final int sameStateExit = sameState.waitFor(60);

            assertNotEquals(0, sameSocketExit, sameSocket::output);
            assertNotEquals(-1, sameSocketExit, "still running:\n" + sameSocket.output());
            assertTrue(sameSocket.output().contains("another zerocpd (pid " + first.pid() + ") is serving socket " +
                dirs.socket()), sameSocket::output);
            assertNotEquals(0, sameStateExit, sameState::output);
            assertNotEquals(-1, sameStateExit, "still running:\n" + sameState.output());
            assertTrue(sameState.output().contains("another zerocpd (pid " + first.pid() + ") is serving state " +
                "directory"), sameState::output);
            assertFalse(Files.exists(dirs.socket("other.sock")), "the refused daemon bound nothing");
            assertTrue(DaemonProcess.answersPing(dirs.socket()), "the first daemon is untouched");
        }
    }

    @Test
    void sigtermExitsZeroRemovesTheSocketAndKeepsTheState()
    {
        try (TestDirs dirs = new TestDirs();
            DaemonProcess first = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = RegistryClient.builder().socketPath(dirs.socket()).timeout(LONG).build();
            SharedRegion region = client.acquire("persisted", 4096))
        {
            region.buffer().putLong(0, 0x7E57L);
            first.terminate();

            assertEquals(0, first.waitFor(60), first::output);
            assertFalse(Files.exists(dirs.socket()), "socket file removed");
            assertTrue(first.output().contains("SIGTERM: stopping"), first::output);
            assertTrue(first.output().contains("zerocpd stopped"), first::output);
            assertFalse(Files.exists(dirs.shmDir().resolve(".zerocpd").resolve("registry.journal.tmp")));

            try (DaemonProcess second = DaemonProcess.start(dirs).awaitReady())
            {
                assertTrue(second.output().contains("restored 2 region(s) and 1 session(s)"), second::output);
                assertEquals(4096, client.shmSize("persisted"));
                assertEquals(0x7E57L, region.buffer().getLong(0));
                // Release while a daemon is there to answer: a release with none waits out the client's timeout.
                region.close();
                client.close();
                second.terminate();
                assertEquals(0, second.waitFor(60), second::output);
            }
        }
    }

    @Test
    void clientRetriesWhileTheDaemonIsDownAndSucceedsWhenItIsBack() throws Exception
    {
        try (TestDirs dirs = new TestDirs();
            DaemonProcess first = DaemonProcess.start(dirs).awaitReady();
            RegistryClient client = RegistryClient.builder().socketPath(dirs.socket()).timeout(LONG).build();
            RegistryClient impatient = RegistryClient.builder().socketPath(dirs.socket()).register(false)
                .timeout(Duration.ofMillis(300)).build();
            SharedRegion region = client.acquire("awaited", 4096))
        {
            first.kill9();
            final CompletableFuture<Long> size = CompletableFuture.supplyAsync(() -> client.shmSize("awaited"));

            // Nobody can answer now: the impatient client gives up, the other keeps trying.
            assertThrows(RegistryUnavailableException.class, impatient::ping);
            Thread.sleep(500);
            assertFalse(size.isDone(), "answered with no daemon running?");

            try (DaemonProcess second = DaemonProcess.start(dirs))
            {
                assertEquals(4096L, size.get(60, TimeUnit.SECONDS));
                assertTrue(second.isAlive());
                client.ping();
                assertEquals(region.path(), client.shmPath("awaited"));
                region.close();
                client.close();
            }
        }
    }

    @Test
    void kill9UnderLoadIsInvisibleToClientsAndLeaksNothing() throws IOException
    {
        final int clients = 4;
        try (TestDirs dirs = new TestDirs();
            DaemonProcess first = DaemonProcess.start(dirs).awaitReady())
        {
            final long idleDescriptors = first.openDescriptors();
            final Path stop = dirs.socketDir().resolve("stop");
            final List<ChildJvm> loads = new ArrayList<>();
            try
            {
                for (int id = 0; id < clients; id++)
                {
                    loads.add(ChildJvm.start(LoadClient.class, dirs.socket().toString(), Integer.toString(id),
                        stop.toString(), id == clients - 1 ? "FD" : "PATH"));
                }
                for (final ChildJvm load : loads)
                {
                    await().atMost(LONG).until(() -> load.printed("OPS") || !load.process().isAlive());
                    assertTrue(load.printed("OPS"), load::output);
                }
                final TreeSet<String> anchors = new TreeSet<>();
                for (int id = 0; id < clients; id++)
                {
                    anchors.add("anchor" + id + "_shm");
                }
                assertTrue(regionFiles(dirs.shmDir()).containsAll(anchors), () -> regionFiles(dirs.shmDir()) + "");

                first.kill9();
                final List<Long> opsAtCrash = new ArrayList<>();
                for (final ChildJvm load : loads)
                {
                    opsAtCrash.add(lastNumber(OPS_LINE, load.output()));
                }

                try (DaemonProcess second = DaemonProcess.start(dirs).awaitReady();
                    RegistryClient observer = RegistryClient.builder().socketPath(dirs.socket()).register(false)
                        .timeout(LONG).build())
                {
                    final long restartedDescriptors = second.openDescriptors();
                    for (int id = 0; id < clients; id++)
                    {
                        assertEquals(8192, observer.shmSize("anchor" + id), "anchor" + id + " after the restart");
                    }
                    // Every client gets on with its work through the new daemon.
                    for (int i = 0; i < clients; i++)
                    {
                        final ChildJvm load = loads.get(i);
                        final long before = opsAtCrash.get(i);
                        await().atMost(LONG).until(() ->
                            lastNumber(OPS_LINE, load.output()) >= before + 400 || !load.process().isAlive());
                    }
                    Files.createFile(stop);
                    final StringBuilder summaries = new StringBuilder();
                    for (final ChildJvm load : loads)
                    {
                        final int exit = load.waitFor(60, TimeUnit.SECONDS);
                        final Matcher summary = SUMMARY.matcher(load.output());
                        assertTrue(summary.find(), load::output);
                        summaries.append(summary.group()).append('\n');
                        assertEquals("0", summary.group(3), load::output);
                        assertEquals("0", summary.group(4), load::output);
                        assertEquals(0, exit, load::output);
                        assertFalse(load.output().contains("ERROR") || load.output().contains("WRONG"), load::output);
                    }

                    // Nothing leaks: every region held by the clients goes once they close, and the daemon is back
                    // to about the descriptors it started with.
                    await().atMost(LONG).until(() -> regionFiles(dirs.shmDir()).equals(
                        new TreeSet<>(List.of("zero_copy_framework_shm"))));
                    final long finalDescriptors = second.openDescriptors();
                    System.out.println(summaries + "descriptors: first daemon idle " + idleDescriptors +
                        ", second daemon at start " + restartedDescriptors + ", at the end " + finalDescriptors);
                    assertTrue(finalDescriptors <= Math.max(idleDescriptors, restartedDescriptors) + 10,
                        "descriptors: idle " + idleDescriptors + ", restarted " + restartedDescriptors + ", end " +
                        finalDescriptors);
                    second.terminate();
                    assertEquals(0, second.waitFor(60), second::output);
                    assertFalse(second.output().contains("ERROR"), second::output);
                }
            }
            finally
            {
                loads.forEach(ChildJvm::close);
            }
        }
    }

    private static TreeSet<String> regionFiles(final Path shmDir)
    {
        try (Stream<Path> files = Files.list(shmDir))
        {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("_shm"))
                .collect(Collectors.toCollection(TreeSet::new));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static long lastNumber(final Pattern pattern, final String text)
    {
        final Matcher m = pattern.matcher(text);
        long last = 0;
        while (m.find())
        {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }
}
