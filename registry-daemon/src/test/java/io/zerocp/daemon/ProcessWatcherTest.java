package io.zerocp.daemon;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watcher against a fake probe, driven scan by scan.
 */
class ProcessWatcherTest
{
    private final Map<Long, Long> ticksByPid = new ConcurrentHashMap<>();
    private final ProcessProbe probe = pid -> ticksByPid.getOrDefault(pid, ProcessProbe.DEAD);
    private final List<LivenessEvent> events = new ArrayList<>();
    private final ProcessWatcher watcher = new ProcessWatcher(probe, 10, events::add);

    private static Session session(final String name)
    {
        return new Session(ClientAddress.ofAbstract(name), 1, 0, 0);
    }

    @Test
    void aLiveProcessRaisesNothing()
    {
        ticksByPid.put(100L, 5L);
        watcher.watch(session("a"), 100, 5);
        for (int i = 0; i < 3; i++)
        {
            assertEquals(0, watcher.scan());
        }
        assertTrue(events.isEmpty());
        assertEquals(1, watcher.watchedCount());
    }

    @Test
    void aDeadPidPostsProcessExitOnce()
    {
        final Session session = session("a");
        ticksByPid.put(100L, 5L);
        watcher.watch(session, 100, 5);
        watcher.scan();

        ticksByPid.remove(100L);
        assertEquals(1, watcher.scan());
        assertEquals(0, watcher.scan());
        assertEquals(0, watcher.scan());

        assertEquals(1, events.size());
        assertSame(session, events.get(0).session());
        assertEquals(EndCause.PROCESS_EXIT, events.get(0).cause());
        assertEquals(0, watcher.watchedCount());
    }

    @Test
    void changedStartTicksMeanThePidWasReusedAndPostProcessExitOnce()
    {
        final Session session = session("a");
        ticksByPid.put(100L, 5L);
        watcher.watch(session, 100, 5);

        ticksByPid.put(100L, 6L); // another process now has the pid, and it is alive
        assertEquals(1, watcher.scan());
        assertEquals(0, watcher.scan());

        assertEquals(1, events.size());
        assertSame(session, events.get(0).session());
        assertEquals(EndCause.PROCESS_EXIT, events.get(0).cause());
    }

    @Test
    void onlyTheDeadOfSeveralSessionsArePosted()
    {
        final Session alive = session("alive");
        final Session dead = session("dead");
        final Session sameDeadPid = session("same-dead-pid");
        ticksByPid.put(100L, 5L);
        watcher.watch(alive, 100, 5);
        watcher.watch(dead, 200, 7);
        watcher.watch(sameDeadPid, 200, 7);

        assertEquals(2, watcher.scan());
        assertEquals(2, events.size());
        assertTrue(events.stream().allMatch(e -> e.session() != alive));
        assertTrue(events.stream().anyMatch(e -> e.session() == dead));
        assertTrue(events.stream().anyMatch(e -> e.session() == sameDeadPid));
        assertEquals(1, watcher.watchedCount());
    }

    @Test
    void unwatchedSessionIsNotPosted()
    {
        final Session session = session("a");
        watcher.watch(session, 100, 5); // dead from the start
        watcher.unwatch(session);
        assertEquals(0, watcher.scan());
        assertTrue(events.isEmpty());
    }

    @Test
    void watchingAgainReplacesTheIdentity()
    {
        final Session session = session("a");
        ticksByPid.put(300L, 1L);
        watcher.watch(session, 100, 5);
        watcher.watch(session, 300, 1);
        assertEquals(0, watcher.scan());
        assertEquals(1, watcher.watchedCount());
    }

    @Test
    void theWatcherThreadFindsADeathOnItsOwn()
    {
        final LinkedBlockingQueue<LivenessEvent> posted = new LinkedBlockingQueue<>();
        final Session session = session("a");
        ticksByPid.put(100L, 5L);
        try (ProcessWatcher running = new ProcessWatcher(probe, 1, posted::add))
        {
            running.watch(session, 100, 5);
            running.start();
            ticksByPid.remove(100L);
            await().atMost(Duration.ofSeconds(10)).until(() -> !posted.isEmpty());
            assertSame(session, posted.peek().session());
            assertEquals(EndCause.PROCESS_EXIT, posted.peek().cause());
        }
        assertEquals(1, posted.size());
    }
}
