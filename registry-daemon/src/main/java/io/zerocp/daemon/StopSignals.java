package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into an orderly stop that ends in exit status 0.
 * <p>
 * The JVM's own handling runs the shutdown hooks and then exits with 128 + signal (143 for SIGTERM), which systemd
 * and other supervisors read as a failure. Handling the signal here instead stops the daemon on the signal
 * thread; the main thread, waiting for the daemon, then returns and the process exits 0 through the usual path.
 */
final class StopSignals
{
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);
    private static final String[] NAMES = { "TERM", "INT" };

    private StopSignals()
    {
    }

    /**
     * @param stop run once per signal, on a thread the JVM starts for it; must be safe to call twice.
     * @return whether every handler was installed (false e.g. under {@code -Xrs}, where the JVM keeps them and the
     * shutdown hook still stops the daemon, with the JVM's exit status).
     */
    static boolean install(final Runnable stop)
    {
        boolean all = true;
        for (final String name : NAMES)
        {
            try
            {
                Signal.handle(new Signal(name), signal ->
                {
                    LOG.info("SIG{}: stopping", name);
                    stop.run();
                });
            }
            catch (final IllegalArgumentException ex)
            {
                LOG.warn("cannot handle SIG{} ({}); it will stop zerocpd with exit status {}", name,
                    ex.getMessage(), 128 + new Signal(name).getNumber());
                all = false;
            }
        }
        return all;
    }
}
