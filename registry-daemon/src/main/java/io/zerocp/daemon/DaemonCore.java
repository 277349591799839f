package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The parts the conductor drives, wired from a concluded {@link DaemonContext}, with no socket and no threads: the
 * lease table, the process watcher (not started), the journal restored into the registry, the static regions, the
 * access policy and the request handler. {@link Daemon} adds the socket, the conductor thread and the locks; tests
 * and benchmarks drive it directly.
 */
final class DaemonCore implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(DaemonCore.class);

    final DaemonContext context;
    final ProcessWatcher watcher;
    final StateJournal journal;
    final Registry registry;
    final AccessPolicy access;
    final RequestHandler handler;
    final FileWorker worker;
    private boolean closed;

    private DaemonCore(
        final DaemonContext context, final ProcessWatcher watcher, final StateJournal journal, final Registry registry,
        final FileWorker worker)
    {
        this.context = context;
        this.watcher = watcher;
        this.journal = journal;
        this.registry = registry;
        this.worker = worker;
        this.access = new AccessPolicy(context.config().tokens);
        this.handler = new RequestHandler(context, registry, access, worker);
    }

    /**
     * Restores the saved state from the context's state directory (which must exist) and creates the static regions.
     */
    static DaemonCore open(final DaemonContext context)
        throws IOException, RegionException, JournalFile.UnknownVersionException
    {
        final DaemonConfig config = context.config();
        final ProcessWatcher watcher = new ProcessWatcher(context.probe(), config.livenessPollMs,
            context.inbox()::post);
        final StateJournal journal = StateJournal.open(config.stateDir, config.journalReserveBytes);
        final FileWorker worker = context.fileWorkInline() ? FileWorker.inline() :
            FileWorker.threaded(RegionCreations.MAX_PENDING + 1024, context.inbox());
        try
        {
            final RegionFiles files = new RegionFiles(context.afterRegionFileOpen());
            final Registry registry = new Registry(context, new LeaseTable(config.leaseTtlMs, context.nanoClock()),
                watcher, journal, files, worker);
            JournalRestore.restore(journal, registry, context.probe());
            registry.createStaticRegions();
            UntrackedRegionFiles.log(config.shmDir, registry.regions());
            registry.publishGauges();
            LOG.info("region files reserved with {}, made {}", files.reservationName(),
                worker.isInline() ? "on the conductor (stepped driver)" : "by a worker thread");
            return new DaemonCore(context, watcher, journal, registry, worker);
        }
        catch (final IOException | RegionException | JournalFile.UnknownVersionException | RuntimeException ex)
        {
            CloseHelper.quietCloseAll(worker, journal, watcher);
            throw ex;
        }
    }

    /**
     * Closes the journal and stops the watcher without writing anything: the journal is a successor's now
     * ({@code --replace}; the conductor paused only once no creation was under way, so the file worker is idle).
     * Safe to call twice.
     */
    void closeHandedOver()
    {
        if (!closed)
        {
            closed = true;
            CloseHelper.quietCloseAll(worker, journal, watcher);
        }
    }

    /**
     * Stops the file worker and undoes the creations never answered, writes the journal out as the current state,
     * then closes it and stops the watcher. Conductor thread (or the stepped driver's). Safe to call twice.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        worker.close(); // the creation in hand ends; queued ones never start
        handler.creations().abandonAll();
        try
        {
            registry.persist();
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("cannot compact state journal on close: {}", ex.toString());
        }
        CloseHelper.quietCloseAll(journal, watcher);
    }
}
