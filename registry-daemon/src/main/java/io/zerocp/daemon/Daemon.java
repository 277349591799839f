package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

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
    private final Registry registry;
    private final AccessPolicy access;
    private final boolean kernelCredentials;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Counted down once close() has finished: another caller (the shutdown hook, the main thread) waits for it. */
    private final CountDownLatch closed = new CountDownLatch(1);

    private Daemon(
        final DaemonContext context, final DaemonCore core, final Conductor conductor, final boolean kernelCredentials)
    {
        this.kernelCredentials = kernelCredentials;
        this.config = context.config();
        this.conductor = conductor;
        this.registry = core.registry;
        this.access = core.access;
        this.thread = new Thread(conductor, "zerocpd-conductor");
    }

    /**
     * Starts a daemon with the system clocks and runs its conductor on a thread of its own.
     *
     * @throws DaemonStartException with a message for the operator when it cannot start.
     */
    public static Daemon start(final DaemonConfig config) throws DaemonStartException
    {
        return start(config, false);
    }

    /**
     * @param replace take the socket over from the daemon serving it now ({@code --replace}, see
     *                {@link HandoverServer}) instead of binding it.
     */
    public static Daemon start(final DaemonConfig config, final boolean replace) throws DaemonStartException
    {
        final Daemon daemon = create(new DaemonContext(config), replace);
        daemon.thread.start();
        return daemon;
    }

    /** As {@link #start(DaemonConfig)}, on a context a test prepared (e.g. {@link DaemonContext#afterRegionFileOpen}). */
    static Daemon start(final DaemonContext context) throws DaemonStartException
    {
        final Daemon daemon = create(context, false);
        daemon.thread.start();
        return daemon;
    }

    static Daemon create(final DaemonContext context) throws DaemonStartException
    {
        return create(context, false);
    }

    /**
     * Concludes the context (every configuration check, before anything is created), makes the directories, takes
     * the locks, restores the state and binds the socket. A start that fails leaves nothing it created behind.
     * With {@code replace}, the running daemon is asked for its socket first: it pauses and lets go of the locks,
     * this one takes them, restores the state the other journaled, adopts the socket and confirms; if anything fails
     * before the confirmation, the other one takes its socket back and serves on.
     */
    static Daemon create(final DaemonContext context, final boolean replace) throws DaemonStartException
    {
        try
        {
            context.conclude();
        }
        catch (final ConfigException ex)
        {
            throw new DaemonStartException(ex.getMessage(), true);
        }
        final DaemonConfig config = context.config();
        final StartupPaths created = new StartupPaths();
        // Kept in closing order, the reverse of acquisition: the journal's last compaction must happen while this
        // process still holds the locks, or a successor could start and read the journal before it is complete.
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            created.directory("--socket", context.socketPath().getParent());
            created.directory("--shm-dir", config.shmDir);
            // The state directory is the daemon's own or nothing: another user could have made it first (any user
            // can create /dev/shm/.zerocpd), and the journal and locks in it decide regions and rights.
            final Path stateDir = config.stateDir.toAbsolutePath().normalize();
            created.directory("--state-dir", stateDir.getParent());
            created.fileUnlessPresent(stateDir);
            OwnFiles.privateDirectory("state directory", stateDir);
            final String unsafe = RegionFiles.othersCanRename(config.shmDir);
            if (null != unsafe)
            {
                // Safe all the same (every file operation after creation goes through the descriptor), but other
                // users can rename, replace and delete region files there. See docs/security.md.
                LOG.warn("shm dir {}: {}; other users can rename and delete region files in it (chmod +t {} or " +
                    "chmod go-w {})", config.shmDir, unsafe, config.shmDir, config.shmDir);
            }
            if (replace)
            {
                // Logged before the pause, which then finds the logging (and the classes) ready.
                LOG.info("--replace: asking the daemon of {} for its socket", config.stateDir);
                Replacement.warmUp();
            }
            final Replacement replacement = replace ? Replacement.request(config.stateDir) : null;
            if (null != replacement)
            {
                resources.add(replacement); // closed last: the predecessor takes back what this one let go
            }
            // Beside the socket, or in a directory of this uid's own where others may write the socket's directory.
            final Path socketLock = OwnFiles.socketLock(context.socketPath(), created);
            created.fileUnlessPresent(socketLock);
            final Path stateLock = config.stateDir.resolve("lock");
            created.fileUnlessPresent(stateLock);
            final DaemonLocks locks = null == replacement ?
                DaemonLocks.acquire(socketLock, "socket " + config.socketPath, stateLock,
                    "state directory " + config.stateDir) :
                DaemonLocks.acquireWithin(socketLock, "socket " + config.socketPath, stateLock,
                    "state directory " + config.stateDir, 2_000);
            resources.add(0, locks);

            created.fileUnlessPresent(config.stateDir.resolve(StateJournal.FILE_NAME));
            created.fileUnlessPresent(config.stateDir.resolve(StateJournal.FILE_NAME + JournalFile.SPARE_SUFFIX));
            final DaemonCore core = DaemonCore.open(context);
            resources.add(0, core);
            if (!core.access.enabled())
            {
                LOG.warn("no tokens configured: authentication is OFF and any client that can reach {} may " +
                    "create and open regions (see docs/security.md)", config.socketPath);
            }
            final Transport transport = Transports.open(config.transport, config.socketPath, config.socketMode,
                null != replacement ? replacement.socketFd() :
                SocketActivation.inheritedSocket(System.getenv(), ProcessHandle.current().pid()));
            resources.add(0, transport); // until the conductor owns it
            core.watcher.usePidfds(transport);

            final DaemonShutdown stopping = new DaemonShutdown(config, transport, core, locks);
            final Conductor conductor = new Conductor(core, transport, stopping::run);
            stopping.conductor = conductor;
            if (config.metricsPort > 0)
            {
                // Named only here: the library's classes load only when a port is set. Taken before a --replace
                // confirms (all or nothing, issue 25): a port this process cannot have leaves the predecessor
                // serving. The predecessor lets go of its own port while it is paused, so the same port is free.
                try
                {
                    stopping.metrics = startMetrics(context, conductor, core, null == replacement ? 0 : 2_000);
                }
                catch (final IOException ex)
                {
                    if (null == replacement)
                    {
                        throw ex;
                    }
                    throw new IOException("--replace: " + ex.getMessage() + "; the running daemon serves on", ex);
                }
                resources.add(0, stopping.metrics); // closed first on a failure: the predecessor takes it back
                stopping.metricsRestart = () -> startMetrics(context, conductor, core, 1_000);
            }
            if (null != replacement)
            {
                // Last: everything this process needs is acquired. From the answer on, the predecessor never reads
                // again, and nothing below can refuse the start.
                replacement.confirm();
                LOG.info("took the socket over from pid {} (--replace)", replacement.predecessorPid());
            }
            stopping.startHandoverServer();
            core.watcher.start();
            created.keep();
            ShmCapacityCheck.report(context); // after every check that can refuse the start: that one prints alone
            LOG.info("zerocpd listening on {} ({}, mode {}), regions in {}, state in {}, {} region(s), " +
                "{} session(s), lease {} ms, auth {}", config.socketPath, transport.name(),
                FileModes.format(config.socketMode), config.shmDir, config.stateDir, core.registry.regionCount(),
                core.registry.leases().size(), config.leaseTtlMs,
                core.access.enabled() ? "on (" + config.tokens.size() + " token(s))" : "OFF");
            return new Daemon(context, core, conductor, transport.givesCredentials());
        }
        catch (final ConfigException ex)
        {
            throw failed(resources, created, ex.getMessage(), true);
        }
        catch (final InstanceLock.AlreadyRunningException | JournalFile.UnknownVersionException ex)
        {
            throw failed(resources, created, ex.getMessage(), false);
        }
        catch (final RegionException ex)
        {
            throw failed(resources, created, "cannot create static region: " + ex.getMessage(), false);
        }
        catch (final OwnFiles.UntrustedFileException ex)
        {
            throw failed(resources, created, ex.getMessage(), false);
        }
        catch (final IOException ex)
        {
            throw failed(resources, created, null != ex.getMessage() && ex.getMessage().startsWith("--replace") ?
                ex.getMessage() : "cannot start: " + ex, false);
        }
    }

    private static MetricsEndpoint startMetrics(
        final DaemonContext context, final Conductor conductor, final DaemonCore core, final long retryMs)
        throws IOException
    {
        final long deadline = System.nanoTime() + retryMs * 1_000_000L;
        while (true)
        {
            try
            {
                final DaemonConfig config = context.config();
                // Per-uid figures only where STATS shows them to anyone (asked on the conductor, which owns the
                // policy a reload changes), unless metrics-per-uid decides it.
                final BooleanSupplier perUid = () -> null != config.metricsPerUid ? config.metricsPerUid :
                    !core.access.enabled() && config.credentialRules.isEmpty();
                return MetricsEndpoint.start(config.metricsPort, context.counters(),
                    top -> UidUsage.onConductor(() -> conductor, core.registry.leases(), top, perUid));
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw ex;
                }
                try
                {
                    Thread.sleep(20);
                }
                catch (final InterruptedException ie)
                {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
            }
        }
    }

    private static DaemonStartException failed(
        final List<AutoCloseable> resources, final StartupPaths created, final String message,
        final boolean configuration)
    {
        closeAll(resources);
        created.removeCreated();
        return new DaemonStartException(message, configuration);
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

    /** @return whether the transport gives each request the kernel's pid, uid and gid (the native one does). */
    public boolean kernelCredentials()
    {
        return kernelCredentials;
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
        if (closing.get())
        {
            // Stopped by close() on another thread (a signal): let it finish, so the process does not exit under it.
            closed.await(15, TimeUnit.SECONDS);
        }
    }

    /**
     * Finishes the request in hand, persists, removes the socket file and stops. Safe to call twice, and from two
     * threads at once: the second call returns when the first has finished.
     */
    @Override
    public void close()
    {
        if (!closing.compareAndSet(false, true))
        {
            try
            {
                closed.await(15, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try
        {
            conductor.stop();
            if (!conductor.awaitStopped(10_000))
            {
                LOG.warn("conductor did not stop within 10 s");
            }
            LOG.info("zerocpd stopped");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            closed.countDown();
        }
    }

    /** The daemon could not start; the message is for the operator. */
    public static final class DaemonStartException extends Exception
    {
        private final boolean configuration;

        public DaemonStartException(final String message, final boolean configuration)
        {
            super(message, null, false, false);
            this.configuration = configuration;
        }

        /** Whether the operator must change the configuration (exit code 2), rather than the machine's state. */
        public boolean isConfiguration()
        {
            return configuration;
        }
    }
}
