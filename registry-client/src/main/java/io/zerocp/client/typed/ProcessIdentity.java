package io.zerocp.client.typed;

import io.zerocp.api.ProcessStat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A process named by pid and start time, packed into one positive {@code long} so it can be stored and swapped
 * with a single CAS in shared memory.
 * <p>
 * Claims in typed regions (a frame slot being read, the producer role, an initialization in progress) are tied to
 * the claimer's process, not to its registry lease: the region's memory is all the other processes share, a
 * {@code kill -9}ed process leaves its claim words behind, and anyone who finds such a word can decide from
 * {@code /proc/<pid>/stat} alone whether the claimer still exists. The start time (field 22, in clock ticks since
 * boot) tells a reused pid from the original. A zombie counts as dead: its parent may never reap it, and it will
 * never run again.
 * <p>
 * Layout: bits 0-21 pid ({@code pid_max} is at most 2^22), bits 22-61 start ticks, bit 62 always set (so an
 * identity is never 0 or 1, values the typed regions use as markers).
 */
public final class ProcessIdentity
{
    /** Returned by {@link #startTicks(long)} for a process that does not exist or is a zombie. */
    static final long DEAD = ProcessStat.DEAD;

    private static final int PID_BITS = 22;
    private static final long PID_MASK = (1L << PID_BITS) - 1;
    private static final long TICKS_MASK = (1L << 40) - 1;
    private static final long MARK = 1L << 62;
    private static final Path PROC = Paths.get("/proc");

    private static volatile long current;

    private ProcessIdentity()
    {
    }

    /** @return this process's identity (read once from {@code /proc/self/stat}). */
    public static long current()
    {
        long identity = current;
        if (0 == identity)
        {
            final long pid = ProcessHandle.current().pid();
            final long ticks = startTicks(pid);
            if (DEAD == ticks)
            {
                throw new IllegalStateException("cannot read /proc/" + pid + "/stat: typed regions need procfs");
            }
            identity = of(pid, ticks);
            current = identity;
        }
        return identity;
    }

    /** @return the identity of {@code pid} started at {@code startTicks}. */
    public static long of(final long pid, final long startTicks)
    {
        return MARK | ((startTicks & TICKS_MASK) << PID_BITS) | (pid & PID_MASK);
    }

    /** @return the identity of a live process, or 0 when it does not exist (or is a zombie). */
    public static long ofPid(final long pid)
    {
        final long ticks = startTicks(pid);
        return DEAD == ticks ? 0 : of(pid, ticks);
    }

    /** @return the pid part of an identity. */
    public static long pid(final long identity)
    {
        return identity & PID_MASK;
    }

    /** @return whether {@code value} is shaped like an identity (and not a marker or garbage). */
    public static boolean isIdentity(final long value)
    {
        return (value & ~((TICKS_MASK << PID_BITS) | PID_MASK)) == MARK;
    }

    /**
     * @return whether the process still runs: its {@code /proc} entry exists, it is not a zombie, and it started at
     * the same tick (so the pid was not reused).
     */
    public static boolean isAlive(final long identity)
    {
        if (!isIdentity(identity))
        {
            return false;
        }
        if (identity == current)
        {
            return true;
        }
        final long ticks = startTicks(pid(identity));
        return DEAD != ticks && of(pid(identity), ticks) == identity;
    }

    /** @return a readable form, e.g. {@code pid 1234}. */
    public static String describe(final long identity)
    {
        return isIdentity(identity) ? "pid " + pid(identity) : "no process (0x" + Long.toHexString(identity) + ")";
    }

    /** @return the start time of {@code pid} in clock ticks since boot, or {@link #DEAD}. */
    static long startTicks(final long pid)
    {
        final byte[] buffer = new byte[1024];
        final int length;
        try (InputStream in = Files.newInputStream(PROC.resolve(Long.toString(pid)).resolve("stat")))
        {
            length = in.readNBytes(buffer, 0, buffer.length);
        }
        catch (final IOException ex)
        {
            return DEAD;
        }
        return ProcessStat.parseStartTicks(buffer, length);
    }
}
