package io.zerocp.daemon;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parsing of {@code /proc/<pid>/stat} lines, and the probe against real processes.
 */
class ProcfsProcessProbeTest
{
    /** Fields 4 to 21, then the start time (field 22), then a few more, as the kernel prints them. */
    private static String statLine(final String comm, final char state, final long startTicks)
    {
        return "4242 (" + comm + ") " + state + " 1 4242 4242 0 -1 4194304 101 0 0 0 3 1 0 0 20 0 1 0 " +
            startTicks + " 3133440 411 18446744073709551615 93915324444672 93915324464553 0\n";
    }

    private static long parse(final String line)
    {
        final byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
        return io.zerocp.api.ProcessStat.parseStartTicks(bytes, bytes.length);
    }

    @Test
    void readsTheStartTimeOfAPlainLine()
    {
        assertEquals(110228, parse(statLine("cat", 'R', 110228)));
        assertEquals(7, parse(statLine("java", 'S', 7)));
        assertEquals(1234567890123L, parse(statLine("x", 'D', 1234567890123L)));
    }

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields()
    {
        assertEquals(555, parse(statLine("a b c", 'S', 555)));
        assertEquals(556, parse(statLine("evil) Z 1 2 3", 'S', 556)));
        assertEquals(557, parse(statLine(") (", 'S', 557)));
        assertEquals(558, parse(statLine("((x))", 'I', 558)));
        assertEquals(559, parse(statLine("", 'S', 559)));
    }

    @Test
    void zombieAndDeadStatesAreDead()
    {
        assertEquals(ProcessProbe.DEAD, parse(statLine("killed", 'Z', 555)));
        assertEquals(ProcessProbe.DEAD, parse(statLine("killed", 'X', 555)));
        assertEquals(ProcessProbe.DEAD, parse(statLine("killed", 'x', 555)));
        assertEquals(ProcessProbe.DEAD, parse(statLine("S) Z", 'Z', 555)));
        // A name that looks like a zombie's state is still a live process.
        assertEquals(555, parse(statLine("x) Z", 'S', 555)));
    }

    @Test
    void malformedLinesAreDead()
    {
        assertEquals(ProcessProbe.DEAD, parse(""));
        assertEquals(ProcessProbe.DEAD, parse("4242 (no close paren S 1 2 3"));
        assertEquals(ProcessProbe.DEAD, parse("4242 (x)"));
        assertEquals(ProcessProbe.DEAD, parse("4242 (x) S 1 4242 4242 0 -1")); // cut before field 22
        assertEquals(ProcessProbe.DEAD, parse(statLine("x", 'S', 0).replace(" 0 3133440", " abc 3133440")));
    }

    @Test
    void ownProcessIsAliveWithStableTicksThatMatchProc() throws Exception
    {
        final ProcfsProcessProbe probe = new ProcfsProcessProbe();
        final long pid = ProcessHandle.current().pid();
        final long ticks = probe.startTicks(pid);
        assertTrue(ticks > 0, "ticks " + ticks);
        assertEquals(ticks, probe.startTicks(pid));

        final String stat = Files.readString(Paths.get("/proc/self/stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(Long.parseLong(fields[22 - 3]), ticks);
    }

    @Test
    void aPidThatDoesNotExistIsDead() throws Exception
    {
        final ProcfsProcessProbe probe = new ProcfsProcessProbe();
        final long pidMax;
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/pid_max")))
        {
            // Not Files.readString: on JDK 17 it returns only the first byte of a sysctl file.
            pidMax = Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
        assertEquals(ProcessProbe.DEAD, probe.startTicks(pidMax + 1));
        assertEquals(ProcessProbe.DEAD, probe.startTicks(Long.MAX_VALUE));
        assertEquals(ProcessProbe.DEAD, probe.startTicks(0));
        assertEquals(ProcessProbe.DEAD, probe.startTicks(-1));
    }

    @Test
    void anExitedAndReapedChildIsDead() throws Exception
    {
        final Process child = new ProcessBuilder("true").start();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(Path.of("/proc/" + child.pid())));
        assertEquals(ProcessProbe.DEAD, new ProcfsProcessProbe().startTicks(child.pid()));
    }

    @Test
    void aRealZombieIsDeadThoughProcessHandleCallsItAlive() throws Exception
    {
        // The background child exits after its parent has exec'd sleep, which never reaps it.
        final Process parent = new ProcessBuilder("sh", "-c", "sleep 0.3 & echo $!; exec sleep 30").start();
        try
        {
            final long zombie;
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(parent.getInputStream(), StandardCharsets.US_ASCII)))
            {
                zombie = Long.parseLong(out.readLine().trim());
            }
            final Path stat = Path.of("/proc/" + zombie + "/stat");
            await().atMost(Duration.ofSeconds(10)).until(() ->
            {
                final String line = Files.readString(stat);
                return line.charAt(line.lastIndexOf(')') + 2) == 'Z';
            });
            assertTrue(ProcessHandle.of(zombie).isPresent(), "the JDK still sees the zombie");
            assertEquals(ProcessProbe.DEAD, new ProcfsProcessProbe().startTicks(zombie));
            assertNotEquals(ProcessProbe.DEAD, new ProcfsProcessProbe().startTicks(parent.pid()));
        }
        finally
        {
            parent.destroyForcibly();
            parent.waitFor(10, TimeUnit.SECONDS);
        }
    }
    @Test
    void oneProbeServesTheConductorAndTheWatcherAtOnce() throws Exception
    {
        // The daemon shares one probe between the conductor (REGISTER) and the watcher thread (scans).
        final ProcfsProcessProbe probe = new ProcfsProcessProbe();
        final long ownPid = ProcessHandle.current().pid();
        final long ownTicks = probe.startTicks(ownPid);
        final long initTicks = probe.startTicks(1);
        assertNotEquals(ProcessProbe.DEAD, initTicks);
        final AtomicLong wrong = new AtomicLong();
        final Thread other = new Thread(() ->
        {
            for (int i = 0; i < 20_000; i++)
            {
                if (probe.startTicks(1) != initTicks)
                {
                    wrong.incrementAndGet();
                }
            }
        });
        other.start();
        for (int i = 0; i < 20_000; i++)
        {
            if (probe.startTicks(ownPid) != ownTicks)
            {
                wrong.incrementAndGet();
            }
        }
        other.join();
        assertEquals(0, wrong.get(), "probes that read another pid's start time, or none");
    }
}
