package io.zerocp.daemon;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal's reserve on a real registry: the file is the reserve's size from the start, a state that outgrows it
 * is refused before any change is made, and neither idle duty cycles nor a flood of refused requests make it compact
 * again and again (a compaction writes a whole reserve).
 */
class JournalReserveTest
{
    private static final long RESERVE = DaemonConfig.MIN_JOURNAL_RESERVE_BYTES;

    private TestDirs dirs;
    private StateJournal journal;
    private Registry registry;

    @BeforeEach
    void setUp() throws Exception
    {
        dirs = new TestDirs();
        final DaemonConfig config = DaemonConfig.builder().socketPath(dirs.socket()).shmDir(dirs.shmDir())
            .journalReserveBytes(RESERVE).build();
        final DaemonContext context = new DaemonContext(config).processProbe(pid -> 1).conclude();
        Files.createDirectories(config.stateDir);
        journal = StateJournal.open(config.stateDir, RESERVE);
        registry = new Registry(context, new LeaseTable(60_000, context.nanoClock()),
            new ProcessWatcher(pid -> 1, 10, event -> {}), journal);
        JournalRestore.restore(journal, registry, pid -> 1);
    }

    @AfterEach
    void tearDown()
    {
        journal.close();
        dirs.close();
    }

    private Object journalInode() throws Exception
    {
        return Files.readAttributes(journal.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @Test
    void theStateIsRefusedBeforeItOutgrowsTheReserveAndRefusalsCostNoCompactions() throws Exception
    {
        assertEquals(RESERVE, Files.size(journal.path()), "the journal is its reserve from the start");
        final Path spare = journal.path().resolveSibling(StateJournal.FILE_NAME + ".spare");
        assertEquals(RESERVE, Files.size(spare), "and so is its spare");

        int sessions = 0;
        int compactions = 0;
        Object inode = journalInode();
        while (registry.canRecordChange() && sessions < 10_000)
        {
            registry.grant(registry.startSession(ClientAddress.ofAbstract("client-" + sessions)), TokenGrant.OPEN);
            sessions++;
            registry.checkpoint(); // the end of a duty cycle
            final Object now = journalInode();
            if (!now.equals(inode))
            {
                compactions++;
                inode = now;
            }
        }
        assertTrue(sessions > 100 && sessions < 10_000, sessions + " sessions");
        assertEquals(0, registry.unrecordedChanges(), "every change that was let in was recorded");
        assertTrue(compactions < 20, compactions + " compactions for " + sessions + " sessions");

        // Full: requests are refused, and asking again and again compacts no more.
        for (int i = 0; i < 1_000; i++)
        {
            assertFalse(registry.canRecordChange());
            registry.checkpoint();
        }
        assertEquals(inode, journalInode(), "refused requests and idle cycles made no compaction");
        assertTrue(journal.dataLength() <= RESERVE);
    }
}
