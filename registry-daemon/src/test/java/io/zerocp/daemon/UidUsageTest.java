package io.zerocp.daemon;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class UidUsageTest
{
    private long nextId;

    private Session session(final int uid, final long bytesHeld, final int holds)
    {
        final Session session = new Session(null, ++nextId, 0, 0);
        session.uid = uid;
        session.bytesHeld = bytesHeld;
        for (int i = 0; i < holds; i++)
        {
            session.holds.add(new Region("r" + nextId + "_" + i, java.nio.file.Path.of("/nonexistent"), 1, false, false,
                0));
        }
        return session;
    }

    @Test
    void theLargestHoldersGetRowsAndTheRestAreOther()
    {
        final List<Session> sessions = new ArrayList<>();
        sessions.add(session(1000, 500, 1));
        sessions.add(session(1000, 700, 2));     // uid 1000: 2 sessions, 3 holds, 1200 bytes
        sessions.add(session(Session.UNKNOWN_UID, 900, 1));
        sessions.add(session(33, 100, 1));
        sessions.add(session(34, 100, 1));       // ties on bytes and sessions: the lower uid first
        sessions.add(session(35, 10, 1));
        sessions.add(session(36, 0, 0));

        final UidUsage usage = UidUsage.of(sessions, 3);
        assertEquals(List.of(
            new UidUsage.Row("1000", 2, 3, 1200),
            new UidUsage.Row("unknown", 1, 1, 900),
            new UidUsage.Row("33", 1, 1, 100),
            new UidUsage.Row("other", 3, 2, 110)), usage.rows());
        assertEquals(6, usage.distinctUids());
    }

    @Test
    void noOtherRowWhenEveryUidFits()
    {
        final UidUsage usage = UidUsage.of(List.of(session(5, 10, 1), session(6, 20, 1)), 10);
        assertEquals(List.of(new UidUsage.Row("6", 1, 1, 20), new UidUsage.Row("5", 1, 1, 10)), usage.rows());
        assertEquals(List.of(), UidUsage.of(List.of(), 10).rows());
    }

    @Test
    void rowsStayBoundedWithManyUids()
    {
        final List<Session> sessions = new ArrayList<>();
        for (int uid = 0; uid < 5_000; uid++)
        {
            sessions.add(session(uid, uid, 0));
        }
        final UidUsage usage = UidUsage.of(sessions, UidMetrics.TOP_UIDS);
        assertEquals(UidMetrics.TOP_UIDS + 1, usage.rows().size());
        assertEquals("4999", usage.rows().get(0).uid());
        assertEquals(5_000 - UidMetrics.TOP_UIDS, usage.rows().get(UidMetrics.TOP_UIDS).sessions());
    }
}
