package io.zerocp.daemon;

import com.github.benmanes.caffeine.cache.Scheduler;
import org.agrona.CloseHelper;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A running zerocpd: builds the parts from a config, takes the instance locks, creates the static regions, binds the
 * socket last (so a client that can reach it finds it ready), and runs the conductor until {@link #close()}.
 */
public final class Daemon implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final DaemonConfig config;
    private final Conductor conductor;
    private final Thread thread;
    private final List<AutoCloseable> resources;
    private final Registry registry;
    private final AccessPolicy access;
    private volatile boolean closed;

    private Daemon(
        final DaemonConfig config,
        final Conductor conductor,
        final Registry registry,
        final AccessPolicy access,
        final List<AutoCloseable> resources)
    {
        this.config = config;
        this.conductor = conductor;
        this.registry = registry;
        this.access = access;
        this.resources = resources;
        this.thread = new Thread(conductor, "zerocpd-conductor");
    }

    /**
     * Starts a daemon with the system clocks and runs its conductor on a thread of its own.
     *
     * @throws DaemonStartException with a message for the operator when it cannot start.
     */
    public static Daemon start(final DaemonConfig config) throws DaemonStartException
    {
        final Daemon daemon = create(config, SystemEpochClock.INSTANCE, SystemNanoClock.INSTANCE,
            new ProcfsProcessProbe());
        daemon.thread.start();
        return daemon;
    }

    static Daemon create(
        final DaemonConfig config, final EpochClock epochClock, final NanoClock nanoClock, final ProcessProbe probe)
        throws DaemonStartException
    {
        // Kept in closing order, the reverse of acquisition: the journal's last compaction must happen while this
        // process still holds the locks, or a successor could start and read the journal before it is complete.
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            resources.add(0, InstanceLock.acquire(
                config.socketPath.resolveSibling(config.socketPath.getFileName() + ".lock"),
                "socket " + config.socketPath));
            Files.createDirectories(config.shmDir);
            Files.createDirectories(config.stateDir);
            // The journal names clients, pids and token ids: nobody but the daemon's user needs to read it.
            Files.setPosixFilePermissions(config.stateDir, FileModes.parse("0700"));
            resources.add(0, InstanceLock.acquire(config.stateDir.resolve("lock"), "state directory " +
                config.stateDir));

            final DaemonCounters counters = new DaemonCounters();
            final Conductor[] conductorRef = new Conductor[1];
            final ProcessWatcher watcher = new ProcessWatcher(probe, config.livenessPollMs,
                event -> conductorRef[0].post(event));
            resources.add(0, watcher);
            final LeaseTable leases = new LeaseTable(config.leaseTtlMs, nanoClock::nanoTime,
                Scheduler.systemScheduler(), event -> conductorRef[0].post(event));
            final StateJournal journal = StateJournal.open(config.stateDir);
            resources.add(0, journal);
            final Registry registry = new Registry(config, new RegionFiles(), leases, watcher, counters,
                epochClock, nanoClock, journal);
            journal.restoreInto(registry, probe);
            registry.createStaticRegions();
            UntrackedRegionFiles.log(config.shmDir, registry.regions());
            final AccessPolicy access = new AccessPolicy(config.tokens);
            if (!access.enabled())
            {
                LOG.warn("no tokens configured: authentication is OFF and any client that can reach {} may " +
                    "create and open regions (see docs/security.md)", config.socketPath);
            }

            registry.publishGauges();
            if (config.metricsPort > 0)
            {
                resources.add(0, MetricsEndpoint.start(config.metricsPort, counters));
            }
            final DatagramTransport transport = DatagramTransport.bind(config.socketPath, config.socketMode);
            final RequestHandler handler = new RequestHandler(config, registry, access,
                new AuthThrottle(nanoClock, config.authFailuresPerSender, config.authFailuresGlobal,
                    config.authFailureWindowMs),
                probe, counters, new AdminRequests(registry, counters, epochClock), new RegionDescriptors());

            final List<AutoCloseable> closeOnStop = new ArrayList<>(resources);
            closeOnStop.add(0, transport); // first: the socket file goes before anything else stops
            final Conductor conductor = new Conductor(transport, handler, registry, counters, nanoClock,
                () -> closeAll(closeOnStop));
            conductorRef[0] = conductor;
            watcher.start();
            LOG.info("zerocpd listening on {} (mode {}), regions in {}, state in {}, {} region(s), " +
                "{} session(s), lease {} ms, auth {}", config.socketPath, FileModes.format(config.socketMode),
                config.shmDir, config.stateDir, registry.regionCount(), leases.size(), config.leaseTtlMs,
                access.enabled() ? "on (" + config.tokens.size() + " token(s))" : "OFF");
            return new Daemon(config, conductor, registry, access, closeOnStop);
        }
        catch (final InstanceLock.AlreadyRunningException ex)
        {
            closeAll(resources);
            throw new DaemonStartException(ex.getMessage());
        }
        catch (final RegionException ex)
        {
            closeAll(resources);
            throw new DaemonStartException("cannot create static region: " + ex.getMessage());
        }
        catch (final ConfigException ex)
        {
            closeAll(resources);
            throw new DaemonStartException(ex.getMessage());
        }
        catch (final IOException ex)
        {
            closeAll(resources);
            throw new DaemonStartException("cannot start: " + ex);
        }
    }

    private static void closeAll(final List<AutoCloseable> resources)
    {
        for (final AutoCloseable r : resources)
        {
            CloseHelper.quietClose(r);
        }
    }

    /** For {@link SteppedDaemon}, which runs the duty cycle on its caller's thread instead of this one's. */
    Conductor conductor()
    {
        return conductor;
    }

    public DaemonConfig config()
    {
        return config;
    }

    public Path socketPath()
    {
        return config.socketPath;
    }

    /**
     * Swaps in the tokens of {@code reloaded} (SIGHUP) without dropping sessions: a session whose token is still
     * configured (same id and hash) keeps its lease and holds under the new rights; one whose token went or changed
     * must authenticate again. Every other setting of {@code reloaded} is ignored until a restart. Safe from any thread;
     * applied on the conductor thread between requests.
     */
    public void reloadTokens(final DaemonConfig reloaded)
    {
        final List<TokenGrant> tokens = reloaded.tokens;
        conductor.submit(() ->
        {
            final boolean wasEnabled = access.enabled();
            access.replace(tokens);
            final int revoked = registry.rebindGrants(tokens);
            LOG.info("reloaded token policy: {} token(s), auth {}, {} session(s) must authenticate again",
                tokens.size(), access.enabled() ? "on" : "OFF", revoked);
            if (wasEnabled && !access.enabled())
            {
                LOG.warn("no tokens configured any more: authentication is OFF and any client that can reach {} " +
                    "may create and open regions", config.socketPath);
            }
        });
    }

    /** Blocks until the conductor has stopped (after {@link #close()} or a fatal error). */
    public void awaitTermination() throws InterruptedException
    {
        thread.join();
    }

    /** Finishes the request in hand, persists, removes the socket file and stops. Safe to call twice. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        conductor.stop();
        try
        {
            if (!conductor.awaitStopped(10_000))
            {
                LOG.warn("conductor did not stop within 10 s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        LOG.info("zerocpd stopped");
    }

    /** The daemon could not start; the message is for the operator. */
    public static final class DaemonStartException extends Exception
    {
        public DaemonStartException(final String message)
        {
            super(message, null, false, false);
        }
    }
}
