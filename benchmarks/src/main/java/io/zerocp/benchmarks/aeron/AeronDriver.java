package io.zerocp.benchmarks.aeron;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;

/**
 * An Aeron media driver in its own process, in the given directory (deleted on start and on shutdown), with the
 * SHARED threading mode (one agent thread: the machine has two cores for everything in the run) and otherwise
 * Aeron's defaults, or the given client liveness timeout. Prints {@code READY} once launched; stops on SIGTERM or
 * at the end of stdin (the suite went away).
 * <p>
 * Usage: {@code AeronDriver <aeron dir> <client liveness timeout ms | default>}.
 */
public final class AeronDriver
{
    private AeronDriver()
    {
    }

    public static void main(final String[] args) throws java.io.IOException
    {
        final MediaDriver.Context context = new MediaDriver.Context()
            .aeronDirectoryName(args[0])
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
        if (!"default".equals(args[1]))
        {
            context.clientLivenessTimeoutNs(Long.parseLong(args[1]) * 1_000_000L);
        }
        // Not Agrona's ShutdownSignalBarrier: it keeps the JVM alive when launch fails. SIGTERM runs the hook.
        final MediaDriver driver = MediaDriver.launch(context);
        Runtime.getRuntime().addShutdownHook(new Thread(driver::close));
        System.out.println("READY liveness_ns=" + driver.context().clientLivenessTimeoutNs());
        System.out.flush();
        // Runs until SIGTERM, or until the suite that started it is gone (its end of stdin closes).
        while (System.in.read() >= 0)
        {
            Thread.onSpinWait();
        }
        System.exit(0);
    }
}
