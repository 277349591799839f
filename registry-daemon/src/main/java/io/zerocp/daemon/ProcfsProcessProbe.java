package io.zerocp.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Reads {@code /proc/<pid>/stat}: state (field 3) and start time (field 22).
 * <p>
 * Counts a zombie as dead, unlike {@code ProcessHandle}: a killed client whose parent never reaps it must not keep its
 * regions forever. The start time guards against pid reuse. Thread-safe.
 */
final class ProcfsProcessProbe implements ProcessProbe
{
    private static final Path PROC = Paths.get("/proc");
    // One buffer per thread: the conductor (REGISTER) and the watcher thread probe at the same time.
    private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[1024]);

    @Override
    public long startTicks(final long pid)
    {
        final byte[] buffer = buffers.get();
        final int length;
        try (InputStream in = Files.newInputStream(PROC.resolve(Long.toString(pid)).resolve("stat")))
        {
            length = in.readNBytes(buffer, 0, buffer.length);
        }
        catch (final IOException ex)
        {
            return DEAD;
        }
        return parse(buffer, length);
    }

    /** Parses a stat line; the command name may hold spaces and parentheses, so fields count from the last ')'. */
    static long parse(final byte[] stat, final int length)
    {
        int close = -1;
        for (int i = length - 1; i >= 0; i--)
        {
            if (stat[i] == ')')
            {
                close = i;
                break;
            }
        }
        if (close < 0 || close + 2 >= length)
        {
            return DEAD;
        }
        final byte state = stat[close + 2];
        if (state == 'Z' || state == 'X' || state == 'x')
        {
            return DEAD;
        }
        int field = 3;
        int i = close + 2;
        while (i < length && field < 22)
        {
            if (stat[i] == ' ')
            {
                field++;
            }
            i++;
        }
        long ticks = 0;
        boolean any = false;
        while (i < length && stat[i] >= '0' && stat[i] <= '9')
        {
            ticks = ticks * 10 + (stat[i] - '0');
            any = true;
            i++;
        }
        return any ? ticks : DEAD;
    }
}
