package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code zerocpd}: the command line. Flags override the config file; with neither, the daemon behaves as the seed.
 */
@Command(
    name = "zerocpd",
    mixinStandardHelpOptions = true,
    version = "zerocpd 0.1.0",
    description = "Hands out named shared-memory regions over an AF_UNIX datagram socket.",
    sortOptions = false)
public final class Zerocpd implements Callable<Integer>
{
    private static final Logger LOG = LoggerFactory.getLogger(Zerocpd.class);

    /** A SIGHUP not yet applied (see handleReloadSignal). */
    private final AtomicBoolean reloadPending = new AtomicBoolean();

    @Option(names = "--socket", paramLabel = "PATH", description = "Socket to bind (default /tmp/shm_daemon.sock).")
    Path socket;

    @Option(names = "--shm-dir", paramLabel = "DIR", description = "Directory for region files (default /dev/shm).")
    Path shmDir;

    @Option(names = "--state-dir", paramLabel = "DIR",
        description = "Where the registry journal and lock live (default <shm-dir>/.zerocpd).")
    Path stateDir;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON config file; flags win over it.")
    Path config;

    @Option(names = "--lease-ttl-ms", paramLabel = "MS", description = "Lease length (default 10000).")
    Long leaseTtlMs;

    @Option(names = "--linger-ms", paramLabel = "MS",
        description = "How long a region with no holders stays before it is unlinked (default 50).")
    Long lingerMs;

    @Option(names = "--socket-mode", paramLabel = "OCTAL", description = "Mode of the socket file (default 0600).")
    String socketMode;

    @Option(names = "--metrics-port", paramLabel = "PORT",
        description = "Serve Prometheus metrics on 127.0.0.1:PORT (default off).")
    Integer metricsPort;

    @Option(names = "--transport", paramLabel = "KIND",
        description = "auto (default: native on JDK 22+, else junixsocket), native or junixsocket.")
    String transport;

    @Option(names = "--replace",
        description = "Take the socket over from the zerocpd serving it now (same --state-dir), with no gap: it " +
            "stops reading, passes the socket and exits once this one serves; if this one fails first, it serves on.")
    boolean replace;

    @Override
    public Integer call() throws Exception
    {
        final ConfigLoader.Overrides overrides = new ConfigLoader.Overrides(
            socket, shmDir, stateDir, leaseTtlMs, lingerMs, socketMode, metricsPort, transport);
        final DaemonConfig daemonConfig;
        try
        {
            daemonConfig = ConfigLoader.load(config, overrides);
        }
        catch (final ConfigException ex)
        {
            System.err.println("zerocpd: " + ex.getMessage());
            return 2;
        }

        // Before the daemon starts: the JVM's own SIGHUP action is to shut down, and a client may signal as soon as
        // the socket answers.
        final AtomicReference<Daemon> running = new AtomicReference<>();
        handleReloadSignal(running, overrides);

        final Daemon daemon;
        try
        {
            daemon = Daemon.start(daemonConfig, replace);
            running.set(daemon);
            if (reloadPending.getAndSet(false))
            {
                reload(daemon, overrides);
            }
        }
        catch (final Daemon.DaemonStartException ex)
        {
            System.err.println("zerocpd: " + ex.getMessage());
            return ex.isConfiguration() ? 2 : 1;
        }

        // SIGTERM and SIGINT: finish the request in hand, persist, remove the socket file, exit 0. The hook covers
        // every other way the JVM can be asked to exit.
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "zerocpd-shutdown"));
        StopSignals.install(daemon::close);
        daemon.awaitTermination();
        return 0;
    }

    /**
     * SIGHUP re-reads {@code --config} and applies its tokens; a config that does not load changes nothing. A SIGHUP
     * during start-up (the socket may answer before {@link Daemon#start} returns) is applied once the daemon is up.
     */
    private void handleReloadSignal(final AtomicReference<Daemon> running, final ConfigLoader.Overrides overrides)
    {
        final sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal ->
        {
            // Pending first, then look: whichever of this and the start takes the flag reloads, so none is lost.
            reloadPending.set(true);
            final Daemon daemon = running.get();
            if (null == daemon)
            {
                LOG.info("SIGHUP during start-up: the config is re-read once the daemon is up");
            }
            else if (reloadPending.getAndSet(false))
            {
                reload(daemon, overrides);
            }
        });
        if (previous == sun.misc.SignalHandler.SIG_IGN)
        {
            // The JVM keeps an ignored SIGHUP ignored (it was started under nohup, or by a parent that ignores it):
            // the handler above is never called.
            LOG.warn("SIGHUP is ignored by this process (started under nohup?): the config cannot be reloaded " +
                "with a signal; start zerocpd without nohup (systemd, setsid, or a plain background job)");
        }
    }

    private void reload(final Daemon daemon, final ConfigLoader.Overrides overrides)
    {
        if (null == config)
        {
            LOG.warn("SIGHUP: no --config file to reload; nothing changed");
            return;
        }
        try
        {
            daemon.reloadTokens(ConfigLoader.load(config, overrides));
            LOG.info("SIGHUP: re-read {}; applying its tokens (other settings need a restart)", config);
        }
        catch (final ConfigException ex)
        {
            LOG.error("SIGHUP: {}; kept the current token policy", ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            LOG.error("SIGHUP: reload failed; kept the current token policy", ex);
        }
    }

    public static void main(final String[] args)
    {
        // Always exit explicitly: a non-daemon thread of a library must not keep a stopped daemon's JVM alive.
        System.exit(new CommandLine(new Zerocpd()).execute(args));
    }
}
