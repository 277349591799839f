package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** A zerocpd in a child JVM (for crash tests: {@code kill -9}, then a restart on the same state), once it answers. */
final class ChildDaemon
{
    private ChildDaemon()
    {
    }

    /** Starts zerocpd with {@code --config}, {@code --socket} and {@code --shm-dir}; fails unless it PONGs in time. */
    static ChildJvm start(final Path config, final Path socket, final Path shmDir, final long timeoutSeconds)
        throws Exception
    {
        return startUnder(java.util.List.of(), config, socket, shmDir, timeoutSeconds);
    }

    /** As {@link #start}, under {@code prefix} (see {@link ChildJvm#startUnder}). */
    static ChildJvm startUnder(
        final java.util.List<String> prefix, final Path config, final Path socket, final Path shmDir,
        final long timeoutSeconds) throws Exception
    {
        final ChildJvm daemon = ChildJvm.startUnder(prefix, Zerocpd.class, "--config", config.toString(),
            "--socket", socket.toString(), "--shm-dir", shmDir.toString());
        try (RawClient probe = new RawClient(socket))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (System.nanoTime() < deadline && daemon.process().isAlive())
            {
                try
                {
                    if (Files.exists(socket) && "PONG".equals(probe.ask("PING")))
                    {
                        return daemon;
                    }
                }
                catch (final java.io.UncheckedIOException notYet)
                {
                    // the killed daemon's socket file, not bound yet by the new one
                }
                Thread.sleep(50);
            }
        }
        final String output = daemon.output();
        daemon.close();
        fail("zerocpd did not answer within " + timeoutSeconds + " s: " + output);
        return daemon;
    }
}
