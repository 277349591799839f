package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a running daemon closes when its conductor ends, in order, and the two turns of a handover that touch those
 * parts (on the conductor thread): after a stop, the socket file goes and the journal is compacted under the locks;
 * after a handover ({@code --replace}) nothing on disk is touched, because the files are the successor's; after a
 * take-back, the locks are taken again, the journal rewritten as this process's state and the descriptor side name
 * bound again (a failed successor may have removed it). While paused for a successor, the metrics port is let go
 * as well (a successor takes everything it needs, the port included, before it confirms), and taken again on a
 * take-back.
 */
final class DaemonShutdown
{
    private static final Logger LOG = LoggerFactory.getLogger(DaemonShutdown.class);

    private final DaemonConfig config;
    private final Transport transport;
    private final DaemonCore core;
    private final DaemonLocks locks;
    Conductor conductor;
    /** Conductor thread once it runs (a handover lets it go and a take-back starts it again). */
    MetricsEndpoint metrics;
    /** Starts the metrics endpoint again after a take-back; null without a metrics port. */
    MetricsRestart metricsRestart;
    private HandoverServer handover;
    private AFUNIXDatagramChannel sideName;

    DaemonShutdown(final DaemonConfig config, final Transport transport, final DaemonCore core,
        final DaemonLocks locks)
    {
        this.config = config;
        this.transport = transport;
        this.core = core;
        this.locks = locks;
    }

    /** Opens the control socket for a later {@code --replace}; without it the daemon serves on, not replaceable. */
    void startHandoverServer()
    {
        try
        {
            handover = HandoverServer.start(config.stateDir,
                () -> pause(new HandoverPause(this::releaseForHandover, this::reclaim)), transport);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("no handover socket in {} ({}): this daemon cannot be replaced in place (--replace)",
                config.stateDir, ex.toString());
        }
    }

    private HandoverPause pause(final HandoverPause pause)
    {
        conductor.pauseForHandover(pause);
        return pause;
    }

    /**
     * Conductor thread, on pausing for a successor: the locks, and the metrics port (the successor binds its own
     * before it confirms; it may be this very port).
     */
    private void releaseForHandover()
    {
        locks.release();
        if (null != metrics)
        {
            CloseHelper.quietClose(metrics);
            metrics = null;
        }
    }

    /** Conductor thread, after a take-back. */
    private void reclaim()
    {
        while (true)
        {
            try
            {
                locks.takeWithin(10_000);
                break;
            }
            catch (final InstanceLock.AlreadyRunningException ex)
            {
                LOG.warn("handover taken back, but the successor still holds a lock ({}); waiting", ex.getMessage());
            }
            catch (final IOException ex)
            {
                LOG.error("handover taken back, but the locks cannot be taken again: {}; waiting", ex.toString());
            }
        }
        try
        {
            core.registry.persist(); // by path: whatever the successor wrote is replaced by this process's state
        }
        catch (final IOException ex)
        {
            LOG.error("handover taken back; cannot rewrite the journal: {}", ex.toString());
        }
        rebindSideName();
        restartMetrics();
        LOG.info("handover taken back: serving {} again", config.socketPath);
    }

    private void restartMetrics()
    {
        if (null == metricsRestart || null != metrics)
        {
            return;
        }
        try
        {
            metrics = metricsRestart.start();
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.error("handover taken back, but the metrics port cannot be bound again ({}): serving without " +
                "metrics", ex.toString());
        }
    }

    /** Binds the metrics port again. */
    @FunctionalInterface
    interface MetricsRestart
    {
        MetricsEndpoint start() throws IOException;
    }

    /** Holds {@code <socket>.fd} again (clients accept replies from it: nobody else may bind it). */
    private void rebindSideName()
    {
        final Path side = SocketFiles.descriptorSocket(config.socketPath.toAbsolutePath());
        if (Files.exists(side))
        {
            return; // still the one this process bound (a successor that removed it and failed removes its own)
        }
        try
        {
            CloseHelper.quietClose(sideName);
            final AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open();
            channel.bind(AFUNIXSocketAddress.of(side));
            Files.setPosixFilePermissions(side, config.socketMode);
            sideName = channel;
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot bind {} again: {}", side, ex.toString());
        }
    }

    /** Conductor thread, when the loop has ended. */
    void run()
    {
        final boolean handedOver = null != conductor && conductor.handedOver();
        if (null != handover)
        {
            handover.close(!handedOver);
        }
        CloseHelper.quietClose(metrics);
        CloseHelper.quietClose(sideName);
        if (handedOver)
        {
            transport.release();
            core.closeHandedOver();
            locks.release();
            return;
        }
        CloseHelper.quietClose(transport);
        CloseHelper.quietClose(core);
        CloseHelper.quietClose(locks);
    }
}
