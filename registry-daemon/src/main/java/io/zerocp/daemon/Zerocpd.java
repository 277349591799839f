package io.zerocp.daemon;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

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

    @Override
    public Integer call() throws Exception
    {
        final DaemonConfig daemonConfig;
        try
        {
            daemonConfig = ConfigLoader.load(config, new ConfigLoader.Overrides(
                socket, shmDir, stateDir, leaseTtlMs, lingerMs, socketMode, metricsPort));
        }
        catch (final ConfigException ex)
        {
            System.err.println("zerocpd: " + ex.getMessage());
            return 2;
        }

        final Daemon daemon;
        try
        {
            daemon = Daemon.start(daemonConfig);
        }
        catch (final Daemon.DaemonStartException ex)
        {
            System.err.println("zerocpd: " + ex.getMessage());
            return 1;
        }

        // SIGTERM and SIGINT: finish the request in hand, persist, remove the socket file, exit 0. The hook covers
        // every other way the JVM can be asked to exit.
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "zerocpd-shutdown"));
        StopSignals.install(daemon::close);
        daemon.awaitTermination();
        return 0;
    }

    public static void main(final String[] args)
    {
        // Always exit explicitly: a non-daemon thread of a library must not keep a stopped daemon's JVM alive.
        System.exit(new CommandLine(new Zerocpd()).execute(args));
    }
}
