package io.zerocp.daemon;

/**
 * Tells whether a process is alive, and which incarnation of its pid it is.
 */
interface ProcessProbe
{
    /** Returned for a pid with no live process (missing, zombie or dead). */
    long DEAD = io.zerocp.api.ProcessStat.DEAD;

    /**
     * @param pid a process id.
     * @return the process's start time in clock ticks since boot (an identity across pid reuse), or {@link #DEAD}.
     */
    long startTicks(long pid);
}
