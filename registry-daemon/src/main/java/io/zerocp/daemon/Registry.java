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
import java.util.List;
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
    private final Consumer<Session> endExpired = session -> endSession(session, EndCause.LEASE_EXPIRY);

    Registry(
        final DaemonContext context, final LeaseTable leases, final ProcessWatcher watcher,
        final RegistryJournal journal)
    {
        this(context, leases, watcher, journal, new RegionFiles());
    }

    /** @param files how region files are made (tests race a rename into it). */
    Registry(
        final DaemonContext context, final LeaseTable leases, final ProcessWatcher watcher,
        final RegistryJournal journal, final RegionFiles files)
    {
        this.files = files;
        this.config = context.config();
        this.policy = context.filePolicy();
        this.counters = context.counters();
        this.epochClock = context.epochClock();
        this.nanoClock = context.nanoClock();
        this.journal = journal;
        this.sessions = new SessionBook(context, leases, watcher, journal);
        this.reaper = new RegionReaper(TimeUnit.MILLISECONDS.toNanos(config.lingerMs));
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
        createStatic(Protocol.DEFAULT_REGION_NAME, config.defaultRegionSize);
        for (final DaemonConfig.StaticRegion r : config.staticRegions)
        {
            if (!r.name().equals(Protocol.DEFAULT_REGION_NAME))
            {
                createStatic(r.name(), r.size());
            }
        }
    }

    private void createStatic(final String name, final long size) throws RegionException
    {
        final Region existing = find(name);
        if (null != existing)
        {
            if (existing.size != size)
            {
                throw new RegionException(ErrorReply.SIZE_MISMATCH, "static region " + name + " exists with " +
                    existing.size + " bytes, the config says " + size);
            }
            return;
        }
        final Path path = pathOf(name);
        final long onDisk = RegionFiles.regularFileSize(path);
        final Region region = new Region(name, path, size, true, isPrivate(name), epochClock.time());
        if (onDisk == size)
        {
            region.fileKey = files.adopt(path, size, policy.modeFor(name));
            LOG.info("adopted existing file {} for static region {}", path, name);
        }
        else
        {
            region.fileKey = files.create(path, size, policy.modeFor(name), policy.groupFor(name));
            counters.regionCreated();
        }
        added(region);
        journal.regionCreated(region);
    }

    /**
     * Creates a dynamic region at full size.
     *
     * @param name a valid name with no region yet.
     */
    Region create(final String name, final long size) throws RegionException
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
        try
        {
            region.fileKey = files.create(path, size, policy.modeFor(name), policy.groupFor(name));
        }
        catch (final RegionException ex)
        {
            journal.regionRemoved(region);
            throw ex;
        }
        added(region);
        counters.regionCreated();
        LOG.info("created region {} ({} bytes) at {}", name, size, path);
        return region;
    }

    /**
     * Re-creates a region read back from the state journal; its file must still be there with its size.
     *
     * @param completeIfShort whether a file shorter than {@code size} is a creation cut short by a crash (the region
     *                        was never held), to be filled up to its size rather than dropped.
     */
    Region restore(
        final String name, final long size, final boolean isStatic, final long createdEpochMs,
        final boolean completeIfShort)
    {
        final Path path = pathOf(name);
        long onDisk = RegionFiles.regularFileSize(path);
        if (completeIfShort && onDisk >= 0 && onDisk < size && !isStatic)
        {
            try
            {
                files.complete(path, size);
                LOG.info("completed region {} ({} of {} bytes were written when the daemon stopped)", name, onDisk,
                    size);
                onDisk = size;
            }
            catch (final IOException ex)
            {
                LOG.warn("cannot complete region {}: {}", name, ex.toString());
            }
        }
        if (onDisk == size && !RegionFiles.isOwnedByThisProcess(path))
        {
            LOG.warn("region {} from saved state is now a file of another user at {}; dropping it", name, path);
            return null;
        }
        if (onDisk != size)
        {
            LOG.warn("region {} from saved state is gone or changed on disk ({}), dropping it", name,
                onDisk < 0 ? "missing or not a regular file" : onDisk + " bytes instead of " + size);
            return null;
        }
        final Region region = new Region(name, path, size, isStatic, isPrivate(name), createdEpochMs);
        region.fileKey = RegionFiles.fileKey(path);
        added(region);
        return region;
    }

    private void added(final Region region)
    {
        regions.add(region);
        publishGauges();
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
        publishGauges();
        RegionDescriptors.close(region);
        try
        {
            RegionFiles.unlink(region.path);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot unlink {}: {}", region.path, ex.toString());
        }
        journal.regionRemoved(region);
        LOG.info("reaped region {} ({} bytes): {}", region.name, region.size, why);
    }
}
