package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The daemon's state and its rules, as the conductor sees it: it makes and removes regions (files, table, journal)
 * and decides what happens when a region loses its last hold. The parts keep one job each: {@link RegionTable}
 * (regions by name), {@link SessionBook} (sessions, holds, token quotas), {@link RegionFilePolicy} (file mode, group,
 * privacy), {@link RegionReaper} (linger). Conductor thread only, so nothing here is locked.
 */
final class Registry implements DurableState
{
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

    private final DaemonConfig config;
    private final RegionTable regions = new RegionTable();
    private final SessionBook sessions;
    private final RegionFilePolicy policy;
    private final RegionReaper reaper;
    private final RegionFiles files;
    private final DaemonCounters counters;
    private final EpochClock epochClock;
    private final NanoClock nanoClock;
    private final RegistryJournal journal;
    private final FileWorker worker;
    private final StartupRegions startup;
    private final RegionDescriptors descriptors;
    /** Journaled regions whose files are being made; identity, not names (a name is made at most once at a time). */
    private final Set<Region> creating = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Consumer<Session> endExpired = session -> endSession(session, EndCause.LEASE_EXPIRY);

    Registry(
        final DaemonContext context, final LeaseTable leases, final ProcessWatcher watcher,
        final RegistryJournal journal)
    {
        this(context, leases, watcher, journal, new RegionFiles(), FileWorker.inline());
    }

    /** @param files how region files are made (tests race a rename into it). */
    Registry(
        final DaemonContext context, final LeaseTable leases, final ProcessWatcher watcher,
        final RegistryJournal journal, final RegionFiles files)
    {
        this(context, leases, watcher, journal, files, FileWorker.inline());
    }

    /** @param worker where files are closed after their unlink (their pages are freed at the last close). */
    Registry(
        final DaemonContext context, final LeaseTable leases, final ProcessWatcher watcher,
        final RegistryJournal journal, final RegionFiles files, final FileWorker worker)
    {
        this.files = files;
        this.worker = worker;
        this.config = context.config();
        this.policy = context.filePolicy();
        this.counters = context.counters();
        this.epochClock = context.epochClock();
        this.nanoClock = context.nanoClock();
        this.journal = journal;
        this.sessions = new SessionBook(context, leases, watcher, journal);
        this.startup = new StartupRegions(this, context, files, journal);
        this.reaper = new RegionReaper(TimeUnit.MILLISECONDS.toNanos(config.lingerMs));
        this.descriptors = new RegionDescriptors(config.maxKeptDescriptors);
    }

    /** The descriptors kept open for {@code GET_SHM_FD} (bounded: see {@link RegionDescriptors}). */
    RegionDescriptors descriptors()
    {
        return descriptors;
    }

    Region find(final NameKey key)
    {
        return regions.find(key);
    }

    Region find(final String name)
    {
        return regions.find(name);
    }

    @Override
    public Collection<Region> regions()
    {
        return regions.all();
    }

    @Override
    public Collection<Session> sessions()
    {
        return sessions.leases().sessions();
    }

    int regionCount()
    {
        return regions.size();
    }

    long totalBytes()
    {
        return regions.totalBytes();
    }

    /** Bytes of the regions made on request (not in the config). */
    long dynamicBytes()
    {
        return regions.dynamicBytes();
    }

    LeaseTable leases()
    {
        return sessions.leases();
    }

    SessionBook sessionBook()
    {
        return sessions;
    }

    List<TokenGrant> tokens()
    {
        return sessions.tokens();
    }

    boolean isPrivate(final String name)
    {
        return policy.isPrivate(name);
    }

    void publishGauges()
    {
        counters.gauges(regions.size(), regions.totalBytes(), sessions.leases().size());
    }

    Path pathOf(final String name)
    {
        return config.shmDir.resolve(Protocol.regionFileName(name));
    }

    /** Creates the regions of the config (the default one first) unless already adopted from saved state. */
    void createStaticRegions() throws RegionException
    {
        startup.createStaticRegions();
    }

    /** See {@link StartupRegions#restore}. */
    Region restore(final String name, final long size, final boolean isStatic, final long createdMs, final boolean cut)
    {
        return startup.restore(name, size, isStatic, createdMs, cut);
    }

    /** Creates a dynamic region on the caller's thread (tests; the daemon's go through {@link RegionCreations}). */
    Region create(final String name, final long size) throws RegionException
    {
        final Region region = beginCreate(name, size);
        try
        {
            finishCreate(region, makeFile(region));
        }
        catch (final RegionException ex)
        {
            abortCreate(region);
            throw ex;
        }
        return region;
    }

    /**
     * The first step of a creation, on the conductor: the region is journaled (so a kill -9 before its file is
     * complete leaves a record the restart completes or drops) but not in the table until {@link #finishCreate}.
     */
    Region beginCreate(final String name, final long size) throws RegionException
    {
        return beginCreate(name, size, Session.UNKNOWN_UID);
    }

    /** @param ownerUid the kernel uid of the client it is made for, counted in {@link UidShares}, or unknown. */
    Region beginCreate(final String name, final long size, final int ownerUid) throws RegionException
    {
        final Path path = pathOf(name);
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS))
        {
            // Checked before journaling, so a journaled region's file is always one this daemon created.
            throw new RegionException(ErrorReply.NAME_IN_USE, "a file is already at " + path);
        }
        final Region region = new Region(name, path, size, false, isPrivate(name), epochClock.time());
        // Journal first: a kill -9 between the two then leaves a record whose file is missing or short, which the
        // restart drops or completes. The other order would leave a file nobody tracks, and the name unusable.
        journal.regionCreated(region);
        creating.add(region);
        sessions.shares().regionBegun(region, ownerUid);
        return region;
    }

    /** Makes the region's file: any thread (the file worker); it reads only immutable settings. */
    Object makeFile(final Region region) throws RegionException
    {
        return files.create(region.path, region.size, policy.modeFor(region.name), policy.groupFor(region.name));
    }

    void finishCreate(final Region region, final Object fileKey)
    {
        creating.remove(region);
        region.fileKey = fileKey;
        added(region);
        counters.regionCreated();
        LOG.info("created region {} ({} bytes) at {}", region.name, region.size, region.path);
    }

    /** The region's file could not be made (or was never begun): its record goes. */
    void abortCreate(final Region region)
    {
        creating.remove(region);
        sessions.shares().regionGone(region);
        journal.regionRemoved(region);
    }

    /** Regions journaled but not yet made (a compaction writes their records too). */
    @Override
    public Collection<Region> regionsBeingMade()
    {
        return creating;
    }

    /** Unlinks a region made but never handed out (its askers are gone, or it was deleted); it never joined the table. */
    void discardMade(final Region region, final Object fileKey, final String why)
    {
        creating.remove(region);
        sessions.shares().regionGone(region);
        region.fileKey = fileKey;
        region.removed = true;
        unlinkKeepingPagesAway(region);
        journal.regionRemoved(region);
        LOG.info("removed region {} ({} bytes): {}", region.name, region.size, why);
    }

    /** A region made or restored joins the table. */
    void added(final Region region)
    {
        regions.add(region);
        sessions.shares().regionJoined(region);
        publishGauges();
    }

    /** @return what each uid takes of the state, and the regions nobody has ever held. */
    UidShares shares()
    {
        return sessions.shares();
    }

    /** Checks the quotas of the session's token for one more hold of a region of {@code size} bytes. */
    boolean withinQuota(final Session session, final long size)
    {
        return sessions.withinQuota(session, size);
    }

    /** Records a hold; a repeated hold by the same session is one hold. */
    void hold(final Session session, final Region region)
    {
        if (sessions.hold(session, region))
        {
            reaper.cancel(region);
        }
    }

    /** Drops a hold; the region goes (after the linger) when it was the last. */
    boolean release(final Session session, final Region region)
    {
        if (!sessions.release(session, region))
        {
            return false;
        }
        onUnheld(region, ReapCause.RELEASE);
        return true;
    }

    void grant(final Session session, final TokenGrant grant)
    {
        sessions.grant(session, grant);
    }

    /** See {@link SessionBook#rebindGrants}. */
    int rebindGrants(final List<TokenGrant> tokens)
    {
        return sessions.rebindGrants(tokens);
    }

    Session startSession(final ClientAddress address)
    {
        return startSession(address, Session.UNKNOWN_UID);
    }

    /** @param uid the kernel's uid of the sender, or {@link Session#UNKNOWN_UID}. */
    Session startSession(final ClientAddress address, final int uid)
    {
        final Session session = sessions.start(address, uid);
        publishGauges();
        return session;
    }

    int sessionsOf(final int uid)
    {
        return sessions.sessionsOf(uid);
    }

    ProcessWatcher processWatcher()
    {
        return sessions.watcher();
    }

    void watchProcess(final Session session, final long pid, final long startTicks)
    {
        sessions.watchProcess(session, pid, startTicks, -1);
    }

    /** @param pidfd a pidfd on the process that the watcher now owns, or -1 to open one (or poll). */
    void watchProcess(final Session session, final long pid, final long startTicks, final int pidfd)
    {
        sessions.watchProcess(session, pid, startTicks, pidfd);
    }

    /** Ends a session: every hold goes, then the lease. Safe to call twice. */
    void endSession(final Session session, final EndCause cause)
    {
        final List<Region> held = sessions.end(session, cause);
        for (int i = 0, n = held.size(); i < n; i++)
        {
            onUnheld(held.get(i), ReapCause.of(cause));
        }
        publishGauges();
    }

    private void onUnheld(final Region region, final ReapCause cause)
    {
        if (!region.isReapable() || region.removed)
        {
            return;
        }
        if (reaper.removesAtOnce())
        {
            remove(region, "its last hold went");
            counters.regionReaped(cause);
        }
        else
        {
            region.reapCause = cause;
            reaper.startLinger(region, nanoClock.nanoTime());
        }
    }

    /** Ends the sessions whose lease ran out (a duty cycle's timer step). @return how many. */
    int expireLeases()
    {
        return sessions.leases().expireDue(endExpired);
    }

    /** Marks a point where no change is half made (end of a duty cycle): the journal may compact now. */
    void checkpoint()
    {
        journal.checkpoint(this);
    }

    /** Whether a request may change the state now: its changes can be recorded (see {@link StateJournal}). */
    boolean canRecordChange()
    {
        return journal.hasRoomForChange(this);
    }

    /** Changes not recorded since start; see {@link RegistryJournal#failures()}. */
    long unrecordedChanges()
    {
        return journal.failures();
    }

    /** Rewrites the journal as the state alone (the last step of a clean stop). */
    void persist() throws IOException
    {
        journal.compact(this);
    }

    /** Starts the linger of a region that has no holders left (after a restore). */
    void scheduleReap(final Region region)
    {
        if (region.isReapable() && !region.removed)
        {
            region.reapCause = ReapCause.RESTORE;
            reaper.startLinger(region, nanoClock.nanoTime());
        }
    }

    /** Unlinks lingering regions whose time has come. @return how many went. */
    int reapDue(final long nowNs)
    {
        final List<Region> due = reaper.takeDue(nowNs);
        int reaped = 0;
        for (int i = 0, n = due.size(); i < n; i++)
        {
            final Region region = due.get(i);
            if (region.isReapable() && !region.removed)
            {
                remove(region, "its last hold went");
                counters.regionReaped(null == region.reapCause ? ReapCause.RELEASE : region.reapCause);
                reaped++;
            }
        }
        return reaped;
    }

    /** Nanoseconds until the next lingering region is due, or {@code Long.MAX_VALUE}. */
    long nanosToNextReap(final long nowNs)
    {
        return reaper.nanosToNext(nowNs);
    }

    /** Nanoseconds until a lease may next expire, or {@code Long.MAX_VALUE}. */
    long nanosToNextExpiry()
    {
        return sessions.leases().nanosToNextExpiry();
    }

    /** Admin delete: drops every hold on the region and unlinks it. Static regions cannot be deleted. */
    void delete(final Region region)
    {
        sessions.releaseAll(region);
        reaper.cancel(region);
        remove(region, "an operator deleted it");
        counters.regionDeleted();
    }

    private void remove(final Region region, final String why)
    {
        region.removed = true;
        regions.remove(region);
        sessions.shares().regionGone(region);
        publishGauges();
        unlinkKeepingPagesAway(region);
        journal.regionRemoved(region);
        LOG.info("reaped region {} ({} bytes): {}", region.name, region.size, why);
    }

    /**
     * Unlinks the region's file while a descriptor of it stays open, and leaves the last close to the file worker:
     * tmpfs frees the pages at the last close (~0.25 s per GiB here), and that must not hold the conductor.
     */
    private void unlinkKeepingPagesAway(final Region region)
    {
        final AutoCloseable[] open = descriptors.take(region);
        try
        {
            RegionFiles.unlink(region.path);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot unlink {}: {}", region.path, ex.toString());
        }
        worker.closeLater(open);
    }
}
