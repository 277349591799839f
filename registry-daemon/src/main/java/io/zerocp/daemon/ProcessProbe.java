package io.zerocp.daemon;

/**
 * Tells whether a process is alive, and which incarnation of its pid it is.
 */
interface ProcessProbe
{
    /** Returned for a pid with no live process (missing, zombie or dead). */
    long DEAD = io.zerocp.api.ProcessStat.DEAD;
    /**
     * Returned when the daemon could not look (it is out of file descriptors): the process may well live, so this is
     * never taken for a death, and the request that asked is answered {@code ERROR: Too many open files}.
     */
    long NO_DESCRIPTORS = -2;

    /**
     * @param pid a process id.
     * @return the process's start time in clock ticks since boot (an identity across pid reuse), {@link #DEAD}, or
     *         {@link #NO_DESCRIPTORS}.
     */
    long startTicks(long pid);
}
