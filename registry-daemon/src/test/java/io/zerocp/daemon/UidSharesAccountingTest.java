package io.zerocp.daemon;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bookkeeping behind the per-uid shares and the descriptor cache, on a real {@link Registry} over a real shm
 * directory: every region, session and hold a uid is charged for is given back when it goes (so a uid is never
 * refused for what it no longer has), the charges are the sizes of the records a compaction writes, and the cache
 * keeps at most its limit open, least recently asked for out first.
 */
class UidSharesAccountingTest
{
    private static final int UID = 1234;
    private static final long SIZE = 4096;

    private final TestDirs dirs = new TestDirs();
    private final AtomicLong nowNs = new AtomicLong(1_000_000_000L);
    private final ProcessWatcher watcher = new ProcessWatcher(pid -> 1, 10, event -> { });
    private Registry registry;

    @BeforeEach
    void setUp() throws Exception
    {
        final DaemonConfig config = DaemonConfig.builder().socketPath(dirs.socket()).shmDir(dirs.shmDir())
            .lingerMs(0).maxKeptDescriptors(2).build();
        final DaemonContext context = new DaemonContext(config).nanoClock(nowNs::get).processProbe(pid -> 1)
            .conclude();
        registry = new Registry(context, new LeaseTable(config.leaseTtlMs, nowNs::get), watcher,
            RegistryJournal.NONE);
    }

    @AfterEach
    void tearDown()
    {
        watcher.close();
        dirs.close();
    }

    private Region make(final String name, final int uid) throws RegionException
    {
        final Region region = registry.beginCreate(name, SIZE, uid);
        registry.finishCreate(region, registry.makeFile(region));
        return region;
    }

    @Test
    void everyChargeIsGivenBackWhenWhatItWasForGoes() throws Exception
    {
        final UidShares shares = registry.shares();
        final Session session = registry.startSession(ClientAddress.ofAbstract("acct"), UID);
        final long sessionBytes = shares.journalBytesOf(UID);
        assertTrue(sessionBytes > 0);

        final Region region = make("acct_one", UID);
        assertEquals(1, shares.regionsOf(UID));
        assertEquals(1, shares.unheldRegions(), "made, not yet held");
        registry.hold(session, region);
        assertEquals(0, shares.unheldRegions());
        assertEquals(sessionBytes + region.journalBytes + region.holdJournalBytes, shares.journalBytesOf(UID));

        final Region aborted = registry.beginCreate("acct_aborted", SIZE, UID);
        assertEquals(2, shares.regionsOf(UID), "a creation under way counts");
        registry.abortCreate(aborted);
        assertEquals(1, shares.regionsOf(UID));

        registry.endSession(session, EndCause.RELEASE); // its hold goes, and with linger 0 the region too
        assertTrue(region.removed);
        assertEquals(0, shares.regionsOf(UID));
        assertEquals(0, shares.journalBytesOf(UID));

        final Region unheld = make("acct_unheld", Session.UNKNOWN_UID);
        assertEquals(1, shares.unheldRegions());
        registry.delete(unheld);
        assertEquals(0, shares.unheldRegions());
    }

    @Test
    void theChargesAreTheRecordsACompactionWrites() throws Exception
    {
        final JournalCodec codec = new JournalCodec();
        final ByteBuffer record = ByteBuffer.allocate(JournalCodec.MAX_RECORD);
        final Session session = registry.startSession(ClientAddress.ofAbstract("records-" + "x".repeat(40)), UID);
        session.grant = TokenGrant.OPEN;
        final Region region = make("r".repeat(64), UID);
        assertEquals(codec.regionCreated(record, region).remaining(), region.journalBytes);
        assertEquals(codec.holdAdded(record, session, region).remaining(), region.holdJournalBytes);
        final int sessionRecords = codec.sessionStarted(record, session).remaining() +
            codec.sessionUpdated(record, session).remaining();
        assertTrue(sessionRecords <= session.journalBytes, sessionRecords + " > " + session.journalBytes);
        assertEquals(64, region.name.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void theDescriptorCacheKeepsTheMostRecentlyAskedFor() throws Exception
    {
        final RegionDescriptors descriptors = registry.descriptors();
        final Region a = make("cache_a", UID);
        final Region b = make("cache_b", UID);
        final Region c = make("cache_c", UID);
        final ReplyBuffer reply = new ReplyBuffer();

        assertNull(descriptors.attach(a, false, reply.clear()));
        assertNull(descriptors.attach(b, false, reply.clear()));
        assertNull(descriptors.attach(a, true, reply.clear())); // a is the most recent now, with both
        assertEquals(2, descriptors.open());
        assertNull(b.readWriteFile, "over the limit: the least recently asked for is closed");
        assertNotNull(a.readWriteFile);
        assertNotNull(a.readOnlyFile);

        assertNull(descriptors.attach(c, true, reply.clear()));
        assertNotNull(reply.fileDescriptor());
        assertTrue(reply.fileDescriptor().valid(), "the descriptor of the region answered is never the one closed");
        assertEquals(1, descriptors.open(), "a's two went to make room");

        assertNull(descriptors.attach(b, false, reply.clear()), "a closed one is opened again");
        assertEquals(2, descriptors.open());
        registry.delete(b);
        assertEquals(1, descriptors.open(), "a removed region's descriptor leaves the count");
        assertNull(b.readWriteFile);
    }
}
