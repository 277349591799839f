package io.zerocp.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zerocp.api.ErrorReply;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state journal's restore rule (see {@link StateJournal}): the state is what the longest prefix of whole, valid
 * records says; the rest is cut off (torn tail: warning; damage with bytes after it: error and a kept copy). Checked
 * against a model of what a real journal recorded, on copies cut short at random offsets and with random bytes
 * flipped, and never an exception out of {@link JournalRestore#restore}.
 */
class StateJournalRecoveryTest
{
    private static final long SEED = Long.getLong("zerocp.test.seed", 0x5EEDL);
    private static final TokenGrant ALPHA = new TokenGrant("alpha", new byte[32], List.of("*"), true, false,
        1000, 1L << 40, 1L << 30);
    private static final TokenGrant BETA = new TokenGrant("beta", new byte[32], List.of("*"), true, false,
        1000, 1L << 40, 1L << 30);
    private static final long ALIVE_BASE = 1000;
    private static final long DEAD_PID = 90_000;

    /** Pids from ALIVE_BASE up are alive, each with start ticks pid * 7; everything else is dead. */
    private static final ProcessProbe PROBE = pid -> pid >= ALIVE_BASE && pid < DEAD_PID ? pid * 7 : ProcessProbe.DEAD;

    private TestDirs dirs;
    private Path shmDir;
    private ListAppender<ILoggingEvent> log;
    private Logger journalLogger;
    private int trial;

    @BeforeEach
    void setUp()
    {
        dirs = new TestDirs();
        shmDir = dirs.shmDir();
        journalLogger = (Logger)LoggerFactory.getLogger(StateJournal.class);
        log = new ListAppender<>();
        log.start();
        journalLogger.addAppender(log);
    }

    @AfterEach
    void tearDown()
    {
        journalLogger.detachAppender(log);
        dirs.close();
    }

    @Test
    void journalCutShortAnywhereRestoresTheLongestValidPrefix() throws IOException, RegionException
    {
        final Recording recording = record(new Random(SEED), 100);
        final byte[] journal = recording.bytes;
        final Random random = new Random(SEED + 1);

        final TreeSet<Integer> cuts = new TreeSet<>();
        for (final long boundary : recording.boundaries())
        {
            cuts.add((int)boundary);
            cuts.add((int)Math.max(0, boundary - 1));
            cuts.add((int)Math.min(journal.length, boundary + 1));
        }
        while (cuts.size() < recording.boundaries().size() * 3 + 200)
        {
            cuts.add(random.nextInt(journal.length + 1));
        }

        for (final int cut : cuts)
        {
            final String expected = recording.expectedAt(recording.lastBoundaryAtOrBefore(cut), shmDir);
            final String restored = restoreCopy(Arrays.copyOf(journal, cut), trial % 5 == 0);
            assertEquals(expected, restored, "journal cut at " + cut + " of " + journal.length);
        }
        // Cuts are torn tails: warned about, never treated as damage.
        assertTrue(log.list.stream().noneMatch(e -> e.getLevel() == Level.ERROR), this::logText);
        assertTrue(log.list.stream().anyMatch(e -> e.getLevel() == Level.WARN &&
            e.getFormattedMessage().contains("crash mid-write")), this::logText);
    }

    @Test
    void flippedBytesInTheMiddleCostTheRecordsFromThereOnAndKeepACopy() throws IOException, RegionException
    {
        final Recording recording = record(new Random(SEED + 2), 100);
        final byte[] journal = recording.bytes;
        final long lastRecordStart = recording.lastBoundaryAtOrBefore(journal.length - 1);
        final Random random = new Random(SEED + 3);

        for (int i = 0; i < 150; i++)
        {
            // The file header's own damage is a test of its own (an unknown version is refused, not cut).
            final int offset = JournalCodec.FILE_HEADER + random.nextInt(journal.length - JournalCodec.FILE_HEADER);
            final byte[] damaged = journal.clone();
            damaged[offset] ^= (byte)(1 + random.nextInt(255));
            final long recordStart = recording.lastBoundaryAtOrBefore(offset);
            final Path stateDir = nextStateDir();
            final String restored = restore(stateDir, damaged, i % 5 == 0);
            assertEquals(recording.expectedAt(recordStart, shmDir), restored,
                "byte " + offset + " flipped (record at " + recordStart + ")");

            // A bad checksum with whole records after it is damage, not a crash: the evidence is kept.
            final Path copy = stateDir.resolve(StateJournal.FILE_NAME + StateJournal.DAMAGED_SUFFIX);
            if (offset >= recordStart + 4 && recordStart < lastRecordStart)
            {
                assertArrayEquals(damaged, Files.readAllBytes(copy), "kept copy, byte " + offset);
            }
            else if (recordStart == lastRecordStart && offset >= recordStart + 4)
            {
                assertFalse(Files.exists(copy), "a bad last record is a torn tail, byte " + offset);
            }
            TestDirs.deleteTree(stateDir);
        }
        assertTrue(log.list.stream().anyMatch(e -> e.getLevel() == Level.ERROR &&
            e.getFormattedMessage().contains("is damaged")), this::logText);
    }

    @Test
    void garbageInsteadOfAJournalRestoresNothingAndDoesNotThrow() throws IOException, RegionException
    {
        final Random random = new Random(SEED + 4);
        for (int i = 0; i < 100; i++)
        {
            final byte[] garbage = new byte[random.nextInt(4096)];
            random.nextBytes(garbage);
            if (i % 3 == 0 && garbage.length >= 8)
            {
                // A plausible length in front of the garbage, so the checksum is what catches it.
                ByteBuffer.wrap(garbage).putInt(0, Math.min(garbage.length - 8, 1 + random.nextInt(64)));
            }
            assertEquals("", restoreCopy(garbage, true), "garbage #" + i);
        }
    }

    @Test
    void restoredJournalIsCompactAndRestoresToTheSameState() throws IOException, RegionException
    {
        final Recording recording = record(new Random(SEED + 5), 150);
        final String expected = recording.expectedAt(recording.bytes.length, shmDir);
        final Path stateDir = Files.createDirectories(nextStateDir());
        Files.write(stateDir.resolve(StateJournal.FILE_NAME), recording.bytes);
        try (JournaledRegistry first = new JournaledRegistry(shmDir, stateDir, PROBE, List.of(ALPHA)))
        {
            assertEquals(expected, first.state());
            assertTrue(first.journalSize() < recording.bytes.length, "compacted on restore");
        }
        try (JournaledRegistry second = new JournaledRegistry(shmDir, stateDir, PROBE, List.of(ALPHA)))
        {
            assertEquals(expected, second.state());
        }
    }

    @Test
    void manyChangesCompactTheJournalWithoutLosingState() throws IOException, RegionException
    {
        final Path stateDir = nextStateDir();
        final String expected;
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of()))
        {
            final Session session = live.registry.startSession(ClientAddress.ofAbstract("busy"));
            live.registry.watchProcess(session, ALIVE_BASE, ALIVE_BASE * 7);
            final Region kept = live.registry.create("kept", 4096);
            final Region churn = live.registry.create("churn", 4096);
            live.registry.hold(session, kept);
            // Past the compaction threshold (10,000 records): each pair is two records.
            for (int i = 0; i < 6_000; i++)
            {
                live.registry.hold(session, churn);
                live.registry.release(session, churn);
                live.registry.checkpoint(); // the conductor's end of a duty cycle
            }
            live.registry.hold(session, churn);
            assertTrue(live.journalSize() < 100_000, "compacted while running: " + live.journalSize() + " bytes");
            expected = live.state();
            // Restored from the journal as it is now, as a kill -9 would leave it.
            assertEquals(expected, restore(nextStateDir(), live.journalBytes(), false));
        }
        assertTrue(expected.contains("holds=[churn, kept]"), expected);
    }

    @Test
    void compactionWaitsForACheckpointSoASnapshotNeverMissesAChangeInProgress() throws Exception
    {
        final Path stateDir = nextStateDir();
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of()))
        {
            final Session session = live.registry.startSession(ClientAddress.ofAbstract("mid"));
            live.registry.watchProcess(session, ALIVE_BASE, ALIVE_BASE * 7);
            final Region churn = live.registry.create("churn2", 4096);
            for (int i = 0; i < 6_000; i++) // past the threshold, with no checkpoint in between
            {
                live.registry.hold(session, churn);
                live.registry.release(session, churn);
            }
            final long grown = live.journalSize();
            assertTrue(grown > 100_000, "no compaction between checkpoints: " + grown + " bytes");

            // A region whose first record is written while compaction is due, then held: all of it one change.
            final Region late = live.registry.create("late", 8192);
            live.registry.hold(session, late);
            live.registry.checkpoint();
            assertTrue(live.journalSize() < grown, "compacted at the checkpoint");

            // As a kill -9 right now would leave it:
            final String restored = restore(nextStateDir(), live.journalBytes(), false);
            assertTrue(restored.contains("late") && restored.contains("holds=[late]"), restored);
        }
    }

    @Test
    void regionWhoseCreationWasCutShortIsCompletedKeepingItsBytes() throws IOException, RegionException
    {
        final Path stateDir = nextStateDir();
        final byte[] journal;
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of()))
        {
            live.registry.create("half_made", 8192);
            final Session session = live.registry.startSession(ClientAddress.ofAbstract("holder"));
            live.registry.hold(session, live.registry.create("held_short", 8192));
            journal = live.journalBytes();
        }
        // As a kill -9 inside the zero-fill leaves it: the file exists, short.
        final byte[] prefix = new byte[100];
        Arrays.fill(prefix, (byte)0x5A);
        Files.write(shmDir.resolve("half_made_shm"), prefix);
        // A held region was complete once; short now means someone else cut it: dropped, and the file left alone.
        Files.write(shmDir.resolve("held_short_shm"), prefix);

        final String restored = restore(nextStateDir(), journal, false);

        assertTrue(restored.contains("region half_made 8192"), restored);
        assertFalse(restored.contains("region held_short"), restored);
        final byte[] completed = Files.readAllBytes(shmDir.resolve("half_made_shm"));
        assertEquals(8192, completed.length);
        assertArrayEquals(prefix, Arrays.copyOf(completed, 100));
        assertTrue(Arrays.equals(new byte[8192 - 100], Arrays.copyOfRange(completed, 100, 8192)));
        assertArrayEquals(prefix, Files.readAllBytes(shmDir.resolve("held_short_shm")));
    }

    @Test
    void regionFileInTheWayIsNeverJournaledNorTouched() throws IOException, RegionException
    {
        final Path foreign = shmDir.resolve("taken_shm");
        Files.write(foreign, new byte[] { 1, 2, 3 });
        final Path stateDir = nextStateDir();
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of()))
        {
            final RegionException ex = assertThrows(RegionException.class, () -> live.registry.create("taken", 4096));
            assertEquals(ErrorReply.NAME_IN_USE, ex.reply());
            assertEquals(JournalCodec.FILE_HEADER, live.journalSize(), "nothing journaled for a refused create");
        }
        assertEquals("", restore(nextStateDir(), Files.readAllBytes(stateDir.resolve(StateJournal.FILE_NAME)),
            false));
        assertArrayEquals(new byte[] { 1, 2, 3 }, Files.readAllBytes(foreign));
    }

    @Test
    void grantsAreRestoredByTokenIdAndHashAndOpenWhenAuthIsOff() throws IOException, RegionException
    {
        final Path stateDir = nextStateDir();
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of(ALPHA, BETA)))
        {
            live.registry.grant(live.registry.startSession(ClientAddress.ofAbstract("a")), ALPHA);
            live.registry.grant(live.registry.startSession(ClientAddress.ofAbstract("b")), BETA);
            live.registry.startSession(ClientAddress.ofAbstract("none"));
        }
        final byte[] journal = Files.readAllBytes(stateDir.resolve(StateJournal.FILE_NAME));

        final String sameTokens = restore(nextStateDir(), journal, false, List.of(BETA, ALPHA));
        assertTrue(sameTokens.contains("@a pid=0 grant=alpha"), sameTokens);
        assertTrue(sameTokens.contains("@b pid=0 grant=beta"), sameTokens);
        assertTrue(sameTokens.contains("@none pid=0 grant=-"), sameTokens);

        final String alphaRevoked = restore(nextStateDir(), journal, false, List.of(BETA));
        assertTrue(alphaRevoked.contains("@a pid=0 grant=-"), alphaRevoked);
        assertTrue(alphaRevoked.contains("@b pid=0 grant=beta"), alphaRevoked);

        final byte[] newKey = new byte[32];
        newKey[0] = 1;
        final TokenGrant rekeyedAlpha = new TokenGrant("alpha", newKey, List.of("*"), true, false, 1000, 1L << 40,
            1L << 30);
        final String alphaRekeyed = restore(nextStateDir(), journal, false, List.of(rekeyedAlpha, BETA));
        assertTrue(alphaRekeyed.contains("@a pid=0 grant=-"), "same id, new key: " + alphaRekeyed);
        assertTrue(alphaRekeyed.contains("@b pid=0 grant=beta"), alphaRekeyed);

        final String authOff = restore(nextStateDir(), journal, false, List.of());
        assertTrue(authOff.contains("@a pid=0 grant=open"), authOff);
        assertTrue(authOff.contains("@none pid=0 grant=open"), authOff);
    }

    @Test
    void restoredSessionsGetAFreshLease() throws IOException
    {
        final Path stateDir = nextStateDir();
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of()))
        {
            live.registry.startSession(ClientAddress.ofAbstract("no_pid"));
            live.registry.watchProcess(live.registry.startSession(ClientAddress.ofAbstract("alive")),
                ALIVE_BASE, ALIVE_BASE * 7);
            live.registry.watchProcess(live.registry.startSession(ClientAddress.ofAbstract("dead")),
                DEAD_PID, 5);
        }
        try (JournaledRegistry restored = new JournaledRegistry(shmDir, stateDir, PROBE, List.of()))
        {
            assertNull(restored.session("dead"), "its process died while the daemon was down");
            for (final String address : List.of("no_pid", "alive"))
            {
                final Session session = restored.session(address);
                assertEquals(3_600_000, restored.registry.leases().remainingMs(session), 60_000.0, address);
            }
        }
    }

    @Test
    void untrackedRegionFilesAreFoundLoggedAndLeftAlone() throws IOException, RegionException
    {
        final Logger untrackedLogger = (Logger)LoggerFactory.getLogger(UntrackedRegionFiles.class);
        untrackedLogger.addAppender(log);
        final Path stateDir = nextStateDir();
        Files.write(shmDir.resolve("stray_shm"), new byte[] { 7 });
        Files.createDirectories(shmDir.resolve("dir_shm"));
        Files.write(shmDir.resolve("not_a_region.txt"), new byte[] { 7 });
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of()))
        {
            live.registry.create("tracked", 4096);
            assertEquals(List.of(shmDir.resolve("stray_shm")),
                UntrackedRegionFiles.find(shmDir, live.registry.regions()));
            UntrackedRegionFiles.log(shmDir, live.registry.regions());
        }
        finally
        {
            untrackedLogger.detachAppender(log);
        }
        assertArrayEquals(new byte[] { 7 }, Files.readAllBytes(shmDir.resolve("stray_shm")));
        assertTrue(log.list.stream().anyMatch(e -> e.getLevel() == Level.WARN &&
            e.getFormattedMessage().contains("stray_shm") && !e.getFormattedMessage().contains("dir_shm")),
            this::logText);
    }

    @Test
    void headerlessJournalIsReadAsVersionZeroCutAnywhereAndRewrittenAsTheCurrentVersion() throws Exception
    {
        final Recording recording = record(new Random(SEED + 6), 60);
        // Today's records without the header: the format of every journal written before versions.
        final byte[] old = Arrays.copyOfRange(recording.bytes, JournalCodec.FILE_HEADER, recording.bytes.length);
        final int shift = JournalCodec.FILE_HEADER;
        for (final long boundary : recording.boundaries())
        {
            if (boundary < shift)
            {
                continue;
            }
            for (final long cut : new long[] { boundary - shift, Math.min(old.length, boundary - shift + 1) })
            {
                final String expected = recording.expectedAt(recording.lastBoundaryAtOrBefore(cut + shift), shmDir);
                assertEquals(expected, restoreCopy(Arrays.copyOf(old, (int)cut), false),
                    "version 0 journal cut at " + cut + " of " + old.length);
            }
        }

        final Path stateDir = Files.createDirectories(nextStateDir());
        Files.write(stateDir.resolve(StateJournal.FILE_NAME), old);
        try (JournaledRegistry migrated = new JournaledRegistry(shmDir, stateDir, PROBE, List.of(ALPHA)))
        {
            assertEquals(recording.expectedAt(recording.bytes.length, shmDir), migrated.state());
            final ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(migrated.journalFile()));
            assertEquals(JournalCodec.MAGIC, header.getInt(0), "rewritten with the header");
            assertEquals(JournalCodec.VERSION, header.getInt(4));
        }
        assertTrue(log.list.stream().anyMatch(e -> e.getFormattedMessage().contains("was format version 0")),
            this::logText);
        assertTrue(log.list.stream().noneMatch(e -> e.getLevel() == Level.ERROR), this::logText);
    }

    @Test
    void unknownVersionIsRefusedWithOneLineAndTheFileIsLeftAsItWas() throws Exception
    {
        final Recording recording = record(new Random(SEED + 7), 20);
        final byte[] future = recording.bytes.clone();
        ByteBuffer.wrap(future).putInt(4, JournalCodec.VERSION + 1);
        final Path stateDir = Files.createDirectories(nextStateDir());
        Files.write(stateDir.resolve(StateJournal.FILE_NAME), future);

        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> new JournaledRegistry(shmDir, stateDir, PROBE, List.of(ALPHA)));

        assertTrue(ex.getMessage().contains("format version " + (JournalCodec.VERSION + 1)), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
        assertArrayEquals(future, Files.readAllBytes(stateDir.resolve(StateJournal.FILE_NAME)), "not cut, not moved");
        assertFalse(Files.exists(stateDir.resolve(StateJournal.FILE_NAME + ".tmp")));
    }

    // ---- generating a journal and a model of what it says ----

    /** A journal as written by a live registry, and the model state after each of its records. */
    private static final class Recording
    {
        byte[] bytes;
        final Map<Long, Model> stateAtBoundary = new LinkedHashMap<>();

        List<Long> boundaries()
        {
            return new ArrayList<>(stateAtBoundary.keySet());
        }

        long lastBoundaryAtOrBefore(final long offset)
        {
            long best = 0;
            for (final long boundary : stateAtBoundary.keySet())
            {
                if (boundary <= offset)
                {
                    best = Math.max(best, boundary);
                }
            }
            return best;
        }

        /** What a restore of the first {@code boundary} bytes must give, by the documented rules. */
        String expectedAt(final long boundary, final Path shmDir)
        {
            return stateAtBoundary.get(boundary).expectedAfterRestore(shmDir);
        }
    }

    /** The test's own account of regions, sessions and holds, independent of the journal code. */
    private static final class Model
    {
        final Map<String, Long> regions = new HashMap<>();
        final Map<Long, ModelSession> sessions = new HashMap<>();

        Model copy()
        {
            final Model m = new Model();
            m.regions.putAll(regions);
            sessions.forEach((id, s) -> m.sessions.put(id, s.copy()));
            return m;
        }

        /** Regions whose file is gone are dropped, sessions whose process died are ended, the rest comes back. */
        String expectedAfterRestore(final Path shmDir)
        {
            final TreeSet<String> lines = new TreeSet<>();
            final TreeSet<String> kept = new TreeSet<>();
            regions.forEach((name, size) ->
            {
                if (Files.exists(shmDir.resolve(name + "_shm")))
                {
                    kept.add(name);
                    lines.add("region " + name + " " + size);
                }
            });
            for (final ModelSession s : sessions.values())
            {
                if (s.pid == 0 || PROBE.startTicks(s.pid) == s.ticks)
                {
                    final List<String> holds = new ArrayList<>();
                    for (final String name : s.holds)
                    {
                        if (kept.contains(name))
                        {
                            holds.add(name);
                        }
                    }
                    lines.add("session " + s.id + " @" + s.address + " pid=" + s.pid + " grant=" + s.grant +
                        " holds=" + holds);
                }
            }
            return String.join("\n", lines);
        }
    }

    private static final class ModelSession
    {
        long id;
        String address;
        long pid;
        long ticks;
        String grant = "-";
        final TreeSet<String> holds = new TreeSet<>();

        ModelSession copy()
        {
            final ModelSession s = new ModelSession();
            s.id = id;
            s.address = address;
            s.pid = pid;
            s.ticks = ticks;
            s.grant = grant;
            s.holds.addAll(holds);
            return s;
        }
    }

    /**
     * Drives a live journaled registry through {@code operations} random changes, each writing exactly one record,
     * and keeps the model in step (checked against the registry after every change).
     */
    private Recording record(final Random random, final int operations) throws IOException, RegionException
    {
        final Recording recording = new Recording();
        final Model model = new Model();
        final Path stateDir = nextStateDir();
        try (JournaledRegistry live = new JournaledRegistry(shmDir, stateDir, PROBE, List.of(ALPHA)))
        {
            // An empty file and a file with the header alone both say "nothing".
            recording.stateAtBoundary.put(0L, model.copy());
            recording.stateAtBoundary.put(live.journalSize(), model.copy());
            int regionSeq = 0;
            int sessionSeq = 0;
            final List<Session> sessions = new ArrayList<>();
            for (int op = 0; op < operations; op++)
            {
                final List<Region> regions = new ArrayList<>(live.registry.regions());
                regions.sort((a, b) -> a.name.compareTo(b.name));
                final int kind = random.nextInt(9);
                if (kind == 0 || regions.isEmpty())
                {
                    final String name = "r" + regionSeq++; // never reused: a reused name would be a newer file
                    final long size = 4096L * (1 + random.nextInt(2));
                    live.registry.create(name, size);
                    model.regions.put(name, size);
                }
                else if (kind == 1 || sessions.isEmpty())
                {
                    final String address = "s" + sessionSeq++;
                    final Session session = live.registry.startSession(ClientAddress.ofAbstract(address));
                    sessions.add(session);
                    final ModelSession s = new ModelSession();
                    s.id = session.id;
                    s.address = address;
                    model.sessions.put(session.id, s);
                }
                else
                {
                    final Session session = sessions.get(random.nextInt(sessions.size()));
                    final ModelSession s = model.sessions.get(session.id);
                    final Region region = regions.get(random.nextInt(regions.size()));
                    if (kind == 2 && null == session.grant)
                    {
                        live.registry.grant(session, ALPHA);
                        s.grant = ALPHA.id;
                    }
                    else if (kind == 3 && session.processId == 0)
                    {
                        final boolean alive = random.nextBoolean();
                        s.pid = alive ? ALIVE_BASE + session.id : DEAD_PID + session.id;
                        s.ticks = alive ? s.pid * 7 : 5;
                        live.registry.watchProcess(session, s.pid, s.ticks);
                    }
                    else if ((kind == 4 || kind == 5) && !session.holds.contains(region))
                    {
                        live.registry.hold(session, region);
                        s.holds.add(region.name);
                    }
                    else if (kind == 6 && !session.holds.isEmpty())
                    {
                        final Region held = session.holds.iterator().next();
                        live.registry.release(session, held);
                        s.holds.remove(held.name);
                    }
                    else if (kind == 7 && sessions.size() > 2)
                    {
                        live.registry.endSession(session, EndCause.RELEASE);
                        sessions.remove(session);
                        model.sessions.remove(session.id);
                    }
                    else if (kind == 8 && region.holders == 0)
                    {
                        live.registry.delete(region);
                        model.regions.remove(region.name);
                    }
                    else
                    {
                        continue;
                    }
                }
                assertEquals(modelAsLive(model), live.state(), "model out of step at operation " + op);
                final long size = live.journalSize();
                assertFalse(recording.stateAtBoundary.containsKey(size), "operation " + op + " wrote nothing");
                recording.stateAtBoundary.put(size, model.copy());
            }
            recording.bytes = live.journalBytes();
            assertRecordBoundaries(recording);
            return recording;
        }
        finally
        {
            TestDirs.deleteTree(stateDir);
        }
    }

    /** Every boundary the model saw is a record boundary of the file: each operation wrote exactly one record. */
    private static void assertRecordBoundaries(final Recording recording)
    {
        final ByteBuffer b = ByteBuffer.wrap(recording.bytes);
        assertEquals(JournalCodec.MAGIC, b.getInt(0), "magic");
        assertEquals(JournalCodec.VERSION, b.getInt(4), "version");
        final List<Long> starts = new ArrayList<>();
        starts.add(0L);
        long offset = JournalCodec.FILE_HEADER;
        while (offset < recording.bytes.length)
        {
            starts.add(offset);
            offset += 8 + b.getInt((int)offset);
        }
        starts.add(offset);
        assertEquals(starts, recording.boundaries());
    }

    private static String modelAsLive(final Model model)
    {
        final TreeSet<String> lines = new TreeSet<>();
        model.regions.forEach((name, size) -> lines.add("region " + name + " " + size));
        for (final ModelSession s : model.sessions.values())
        {
            lines.add("session " + s.id + " @" + s.address + " pid=" + s.pid + " grant=" + s.grant + " holds=" +
                new ArrayList<>(s.holds));
        }
        return String.join("\n", lines);
    }

    // ---- restoring copies ----

    private String restoreCopy(final byte[] journal, final boolean checkReRestore) throws IOException
    {
        final Path stateDir = nextStateDir();
        try
        {
            return restore(stateDir, journal, checkReRestore);
        }
        finally
        {
            TestDirs.deleteTree(stateDir);
        }
    }

    private String restore(final Path stateDir, final byte[] journal, final boolean checkReRestore)
        throws IOException
    {
        return restore(stateDir, journal, checkReRestore, List.of(ALPHA));
    }

    /** Restores {@code journal} in {@code stateDir}; optionally checks that what it leaves restores the same. */
    private String restore(
        final Path stateDir, final byte[] journal, final boolean checkReRestore, final List<TokenGrant> tokens)
        throws IOException
    {
        trial++;
        Files.createDirectories(stateDir);
        Files.write(stateDir.resolve(StateJournal.FILE_NAME), journal);
        final String state;
        try (JournaledRegistry restored = new JournaledRegistry(shmDir, stateDir, PROBE, tokens))
        {
            state = restored.state();
        }
        if (checkReRestore)
        {
            try (JournaledRegistry again = new JournaledRegistry(shmDir, stateDir, PROBE, tokens))
            {
                assertEquals(state, again.state(), "restoring the restored journal again");
            }
        }
        return state;
    }

    private Path nextStateDir()
    {
        return shmDir.resolve(".state-" + trial++);
    }

    private String logText()
    {
        final StringBuilder sb = new StringBuilder();
        log.list.forEach(e -> sb.append(e.getLevel()).append(' ').append(e.getFormattedMessage()).append('\n'));
        return sb.toString();
    }
}
