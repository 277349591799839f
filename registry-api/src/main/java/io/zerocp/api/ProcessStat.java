package io.zerocp.api;

/**
 * Reads a process's identity from the text of {@code /proc/<pid>/stat} (the caller reads the file): its state
 * (field 3) and start time in clock ticks since boot (field 22). The pid together with the start time names one
 * incarnation of a process, so a reused pid is told apart. A zombie counts as dead, unlike
 * {@code ProcessHandle.isAlive()}: a killed client whose parent never reaps it must not keep anything forever.
 */
public final class ProcessStat
{
    /** Returned for a stat line of a dead (zombie) process or one that cannot be read. */
    public static final long DEAD = -1;

    private ProcessStat()
    {
    }

    /**
     * Parses a stat line. The command name may hold spaces and parentheses, so fields count from the last ')'.
     *
     * @return the start time in clock ticks, or {@link #DEAD}.
     */
    public static long parseStartTicks(final byte[] stat, final int length)
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
