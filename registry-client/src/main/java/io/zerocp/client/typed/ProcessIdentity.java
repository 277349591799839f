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
 * <b>A label, not a liveness test, in typed regions.</b> Since layout version 2 the typed regions store this value
 * in their role and claim words only to say who holds them (in messages and for monitoring). Whether a holder lives
 * is decided by kernel record locks on the region's file ({@code RoleLocks}), because a pid and a start time read
 * from one process's {@code /proc} mean nothing in another pid namespace (two containers sharing {@code /dev/shm}):
 * {@link #isAlive} answers for this process's own namespace only. The start time (field 22, in clock ticks since
 * boot) tells a reused pid from the original; a zombie counts as dead.
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

    /**
     * @return this process's identity (read once from {@code /proc/self/stat}; where that cannot be read, e.g. a pid
     * namespace without its own {@code /proc}, the pid with a random start time, which is still a fine label).
     */
    public static long current()
    {
        long identity = current;
        if (0 == identity)
        {
            final long pid = ProcessHandle.current().pid();
            long ticks = startTicks(pid);
            if (DEAD == ticks)
            {
                ticks = java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 40);
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
     * @return whether the process still runs <em>as seen from this process's pid namespace</em>: its {@code /proc}
     * entry exists, it is not a zombie, and it started at the same tick (so the pid was not reused). Meaningless for
     * an identity written by a process in another pid namespace; the typed regions do not use it.
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
