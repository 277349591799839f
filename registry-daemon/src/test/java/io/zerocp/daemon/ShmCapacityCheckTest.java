package io.zerocp.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TmpfsMount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start-up report of the shm filesystem, over a real 16 MiB tmpfs the test mounts (root only; skipped
 * otherwise): its size and free space as statvfs tells them, and the warnings against the largest region the config
 * allows and against {@code shm-min-bytes}, both from the check itself and from a daemon started on that tmpfs.
 */
class ShmCapacityCheckTest
{
    private static final long MIB = 1L << 20;

    private TestDirs dirs;
    private TmpfsMount tmpfs;
    private Path mountPoint;

    @BeforeEach
    void mount() throws Exception
    {
        dirs = new TestDirs();
        tmpfs = TmpfsMount.mount("16m");
        mountPoint = tmpfs.path();
    }

    @AfterEach
    void unmount() throws Exception
    {
        try
        {
            if (null != tmpfs)
            {
                tmpfs.close();
            }
        }
        finally
        {
            dirs.close();
        }
    }

    @Test
    void measuresTheSizeAndFreeSpaceOfATmpfs() throws Exception
    {
        final ShmCapacityCheck empty = ShmCapacityCheck.measure(mountPoint, 8 * MIB, 0);
        assertEquals("tmpfs", empty.type());
        assertEquals(16 * MIB, empty.totalBytes());
        assertEquals(16 * MIB, empty.usableBytes(), "an empty tmpfs is all free");
        try (RandomAccessFile file = new RandomAccessFile(mountPoint.resolve("filler").toFile(), "rw"))
        {
            file.write(new byte[(int)(4 * MIB)]); // written pages count; a sparse file would not
        }
        final ShmCapacityCheck used = ShmCapacityCheck.measure(mountPoint, 8 * MIB, 0);
        assertEquals(16 * MIB, used.totalBytes());
        assertEquals(12 * MIB, used.usableBytes());
        assertTrue(used.summary().contains("16777216 bytes (16.0 MiB), 12582912 bytes (12.0 MiB) free"),
            used.summary());
        assertNull(used.regionWarning());
        assertNull(used.floorWarning());
    }

    @Test
    void warnsWhenTheLargestRegionOrTheFloorIsAboveTheFilesystem() throws Exception
    {
        assertNull(ShmCapacityCheck.measure(mountPoint, 16 * MIB, 16 * MIB).regionWarning(), "exactly fits");
        assertNull(ShmCapacityCheck.measure(mountPoint, 16 * MIB, 16 * MIB).floorWarning(), "exactly the floor");

        final ShmCapacityCheck big = ShmCapacityCheck.measure(mountPoint, 16 * MIB + 1, 0);
        assertTrue(big.regionWarning().contains("holds 16777216 bytes (16.0 MiB), less than the largest region the " +
            "config allows (16777217 bytes (16.0 MiB))"), big.regionWarning());
        assertNull(big.floorWarning(), "no floor configured");

        final ShmCapacityCheck floor = ShmCapacityCheck.measure(mountPoint, MIB, 64 * MIB);
        assertNull(floor.regionWarning());
        assertTrue(floor.floorWarning().contains("less than shm-min-bytes 67108864 bytes (64.0 MiB)"),
            floor.floorWarning());
    }

    @Test
    void theLargestRegionFollowsTheGrants() throws Exception
    {
        final DaemonConfig open = DaemonConfig.builder().maxRegionSize(1L << 30).build();
        assertEquals(1L << 30, ShmCapacityCheck.largestRegion(open, Long.MAX_VALUE));
        assertEquals(8 * MIB, ShmCapacityCheck.largestRegion(open, 8 * MIB), "auth off: open-max-bytes caps it");

        final DaemonConfig tokens = ConfigLoader.parse("{\"max-region-size\": 1073741824, \"tokens\": [" +
            "{\"id\": \"small\", \"sha256\": \"" + "a".repeat(64) + "\", \"max-region-size\": 1048576}," +
            "{\"id\": \"quota\", \"sha256\": \"" + "b".repeat(64) + "\", \"max-bytes\": 4194304}," +
            "{\"id\": \"reader\", \"sha256\": \"" + "c".repeat(64) + "\", \"create\": false}]," +
            "\"regions\": [{\"name\": \"frames\", \"size\": 2097152}]}", overrides());
        assertEquals(4 * MIB, ShmCapacityCheck.largestRegion(tokens, 8 * MIB), "the most generous creating grant");
    }

    @Test
    void aNegativeFloorIsRefusedAtStart() throws Exception
    {
        final ConfigException file = assertThrows(ConfigException.class,
            () -> ConfigLoader.parse("{\"shm-min-bytes\": -1}", overrides()));
        assertEquals("shm-min-bytes must be 0 (no floor) or positive, not -1", file.getMessage());
        final DaemonConfig config = DaemonConfig.builder().socketPath(dirs.socket()).shmDir(mountPoint)
            .shmMinBytes(-1).build();
        final ConfigException context = assertThrows(ConfigException.class,
            () -> new DaemonContext(config).conclude());
        assertEquals(file.getMessage(), context.getMessage());
    }

    @Test
    void theDaemonLogsTheFilesystemAndWarnsBelowTheFloor() throws Exception
    {
        final List<ILoggingEvent> quiet = startAndLog(b -> b.shmMinBytes(16 * MIB));
        assertTrue(quiet.stream().anyMatch(e -> e.getLevel() == Level.INFO &&
            e.getFormattedMessage().contains("is on tmpfs: 16777216 bytes (16.0 MiB)")), () -> text(quiet));
        assertTrue(quiet.stream().noneMatch(e -> e.getLevel() == Level.WARN), () -> text(quiet));

        final List<ILoggingEvent> small = startAndLog(b -> b.shmMinBytes(64 * MIB).maxRegionSize(32 * MIB)
            .openMaxBytes(32 * MIB));
        assertTrue(small.stream().anyMatch(e -> e.getLevel() == Level.WARN &&
            e.getFormattedMessage().contains("less than shm-min-bytes 67108864 bytes")), () -> text(small));
        assertTrue(small.stream().anyMatch(e -> e.getLevel() == Level.WARN &&
            e.getFormattedMessage().contains("less than the largest region the config allows (33554432 bytes")),
            () -> text(small));
    }

    private List<ILoggingEvent> startAndLog(final java.util.function.Consumer<DaemonConfig.Builder> customize)
        throws Exception
    {
        final Logger logger = (Logger)LoggerFactory.getLogger(ShmCapacityCheck.class);
        final ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        final Path shmDir = mountPoint.resolve("shm");
        final DaemonConfig.Builder builder = DaemonConfig.builder().socketPath(dirs.socket()).shmDir(shmDir)
            .journalReserveBytes(DaemonConfig.MIN_JOURNAL_RESERVE_BYTES);
        customize.accept(builder);
        try (Daemon daemon = Daemon.start(builder.build()))
        {
            return List.copyOf(log.list);
        }
        finally
        {
            logger.detachAppender(log);
            TestDirs.deleteTree(shmDir);
        }
    }

    private ConfigLoader.Overrides overrides()
    {
        return new ConfigLoader.Overrides(dirs.socket(), mountPoint, null, null, null, null, null, null);
    }

    private static String text(final List<ILoggingEvent> events)
    {
        return events.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage())
            .collect(Collectors.joining("\n"));
    }
}
