package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import io.zerocp.api.RegionNames;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's state and its rules: regions by name, sessions and their holds, per-token usage, and when a region
 * goes. Owned by the conductor thread, so nothing here is locked.
 */
final class Registry
{
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

    private static final Set<PosixFilePermission> OWNER_ONLY =
        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final DaemonConfig config;
    private final RegionFiles files;
    private final LeaseTable leases;
    private final ProcessWatcher watcher;
    private final DaemonCounters counters;
    private final EpochClock epochClock;
    private final NanoClock nanoClock;
    private final RegistryJournal journal;
    private final HashMap<NameKey, Region> regions = new HashMap<>();
    private final ArrayList<Region> lingering = new ArrayList<>();
    private final IdentityHashMap<TokenGrant, long[]> usage = new IdentityHashMap<>();
    private final Map<String, GroupPrincipal> groups = new HashMap<>();
    private final long lingerNs;
    private long totalBytes;
    private List<TokenGrant> tokens;

    Registry(
        final DaemonConfig config,
        final RegionFiles files,
        final LeaseTable leases,
        final ProcessWatcher watcher,
        final DaemonCounters counters,
        final EpochClock epochClock,
        final NanoClock nanoClock,
        final RegistryJournal journal) throws ConfigException
    {
        this.config = config;
        this.files = files;
        this.leases = leases;
        this.watcher = watcher;
        this.counters = counters;
        this.epochClock = epochClock;
        this.nanoClock = nanoClock;
        this.journal = journal;
        this.lingerNs = TimeUnit.MILLISECONDS.toNanos(config.lingerMs);
        this.tokens = config.tokens;
        for (final DaemonConfig.RegionMode mode : config.regionModes)
        {
            if (null != mode.group() && !groups.containsKey(mode.group()))
            {
                try
                {
                    groups.put(mode.group(), FileSystems.getDefault().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(mode.group()));
                }
                catch (final IOException ex)
                {
                    throw new ConfigException("region-modes: group '" + mode.group() + "' does not exist");
                }
            }
        }
    }

    Region find(final NameKey key)
    {
        return regions.get(key);
    }

    Region find(final String name)
    {
        return regions.get(NameKey.of(name));
    }

    Collection<Region> regions()
    {
        return regions.values();
    }

    int regionCount()
    {
        return regions.size();
    }

    long totalBytes()
    {
        return totalBytes;
    }

    private void added(final Region region)
    {
        regions.put(region.key, region);
        totalBytes += region.size;
        publishGauges();
    }

    void publishGauges()
    {
        counters.gauges(regions.size(), totalBytes, leases.size());
    }

    LeaseTable leases()
    {
        return leases;
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
            // Only a file of the daemon's own user: one planted by someone else would stay theirs to read, write
            // and truncate under every client.
            if (!RegionFiles.isOwnedByThisProcess(path))
            {
                throw new RegionException(ErrorReply.NAME_IN_USE, path + " belongs to another user; remove it or " +
                    "choose another shm-dir");
            }
            try
            {
                Files.setPosixFilePermissions(path, modeFor(name));
            }
            catch (final IOException ex)
            {
                throw new RegionException(ErrorReply.INTERNAL, "cannot set the mode of " + path + ": " + ex);
            }
            LOG.info("adopted existing file {} for static region {}", path, name);
        }
        else
        {
            files.create(path, size, modeFor(name), groupFor(name));
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
            files.create(path, size, modeFor(name), groupFor(name));
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
        added(region);
        return region;
    }

    /**
     * Checks the quotas of the session's token for one more hold on {@code region} (or a region of {@code size}).
     */
    boolean withinQuota(final Session session, final long size)
    {
        final TokenGrant grant = session.grant;
        if (null == grant || grant == TokenGrant.OPEN)
        {
            return true;
        }
        final long[] used = usage.get(grant);
        final long regionsHeld = null == used ? 0 : used[0];
        final long bytesHeld = null == used ? 0 : used[1];
        return regionsHeld + 1 <= grant.maxRegions && bytesHeld + size <= grant.maxBytes;
    }

    /** Records a hold; a repeated hold by the same session is one hold. */
    void hold(final Session session, final Region region)
    {
        if (session.holds.add(region))
        {
            region.holders++;
            region.hadHolds = true;
            if (region.reapDeadlineNs != 0)
            {
                region.reapDeadlineNs = 0;
                lingering.remove(region);
            }
            session.bytesHeld += region.size;
            account(session.grant, 1, region.size);
            journal.holdAdded(session, region);
        }
    }

    /** Drops a hold; the region goes (after the linger) when it was the last. */
    boolean release(final Session session, final Region region)
    {
        if (!session.holds.remove(region))
        {
            return false;
        }
        dropHold(session, region, ReapCause.RELEASE);
        journal.holdRemoved(session, region);
        return true;
    }

    private void dropHold(final Session session, final Region region, final ReapCause cause)
    {
        region.holders--;
        session.bytesHeld -= region.size;
        account(session.grant, -1, -region.size);
        if (region.isReapable() && !region.removed)
        {
            if (lingerNs == 0)
            {
                remove(region, "its last hold went");
                counters.regionReaped(cause);
            }
            else
            {
                region.reapDeadlineNs = nanoClock.nanoTime() + lingerNs;
                region.reapCause = cause;
                lingering.add(region);
            }
        }
    }

    /** Sets the token a session authenticated with, moving its usage over. */
    void grant(final Session session, final TokenGrant grant)
    {
        if (session.grant == grant)
        {
            return;
        }
        account(session.grant, -session.holds.size(), -session.bytesHeld);
        session.grant = grant;
        account(grant, session.holds.size(), session.bytesHeld);
        journal.sessionUpdated(session);
    }

    /**
     * Moves every authenticated session to the grant of the same id in {@code tokens} (a reload). A session whose
     * token is gone or has a new hash loses its authentication but keeps its lease and holds; with no tokens at all
     * (auth off) every session gets the open grant.
     *
     * @return how many sessions lost their authentication.
     */
    int rebindGrants(final List<TokenGrant> tokens)
    {
        int revoked = 0;
        for (final Session session : leases.sessions())
        {
            final TokenGrant old = session.grant;
            if (null != old && null == old.sha256 && old != TokenGrant.OPEN)
            {
                continue; // granted by credential rules: those are read at start only
            }
            TokenGrant replacement = null;
            if (tokens.isEmpty())
            {
                replacement = TokenGrant.OPEN;
            }
            else if (null != old)
            {
                for (final TokenGrant candidate : tokens)
                {
                    if (candidate.id.equals(old.id) && Arrays.equals(candidate.sha256, old.sha256))
                    {
                        replacement = candidate;
                        break;
                    }
                }
            }
            if (null != old && null == replacement)
            {
                revoked++;
                LOG.info("{} lost {}: it was removed or changed", session, old);
            }
            grant(session, replacement);
        }
        usage.keySet().removeIf(g -> null != g.sha256 && !tokens.contains(g));
        this.tokens = List.copyOf(tokens);
        return revoked;
    }

    Session startSession(final ClientAddress address)
    {
        final Session session = leases.start(address, epochClock.time());
        counters.sessionStarted();
        publishGauges();
        journal.sessionStarted(session);
        LOG.info("{} started", session);
        return session;
    }

    ProcessWatcher processWatcher()
    {
        return watcher;
    }

    void watchProcess(final Session session, final long pid, final long startTicks)
    {
        watchProcess(session, pid, startTicks, -1);
    }

    /** @param pidfd a pidfd on the process that the watcher now owns, or -1 to open one (or poll). */
    void watchProcess(final Session session, final long pid, final long startTicks, final int pidfd)
    {
        session.processId = pid;
        session.processStartTicks = startTicks;
        watcher.watch(session, pid, startTicks, pidfd);
        journal.sessionUpdated(session);
    }

    /** Ends a session: every hold goes, then the lease. Safe to call twice. */
    void endSession(final Session session, final EndCause cause)
    {
        if (session.ended)
        {
            return;
        }
        final List<Region> held = new ArrayList<>(session.holds);
        session.holds.clear();
        for (final Region region : held)
        {
            dropHold(session, region, ReapCause.of(cause));
        }
        watcher.unwatch(session);
        leases.remove(session);
        counters.sessionEnded(cause);
        publishGauges();
        journal.sessionEnded(session);
        LOG.info("{} ended: {}; released {} hold(s)", session, cause.description, held.size());
    }

    /** Marks a point where no change is half made (end of a duty cycle): the journal may compact now. */
    void checkpoint()
    {
        journal.checkpoint();
    }

    /** Starts the linger of a region that has no holders left (after a restore). */
    void scheduleReap(final Region region)
    {
        if (region.reapDeadlineNs == 0 && region.isReapable() && !region.removed)
        {
            region.reapDeadlineNs = nanoClock.nanoTime() + Math.max(1, lingerNs);
            region.reapCause = ReapCause.RESTORE;
            lingering.add(region);
        }
    }

    List<TokenGrant> tokens()
    {
        return tokens;
    }

    /** Unlinks lingering regions whose time has come. @return how many went. */
    int reapDue(final long nowNs)
    {
        if (lingering.isEmpty())
        {
            return 0;
        }
        int reaped = 0;
        for (int i = lingering.size() - 1; i >= 0; i--)
        {
            final Region region = lingering.get(i);
            if (nowNs - region.reapDeadlineNs >= 0)
            {
                lingering.remove(i);
                region.reapDeadlineNs = 0;
                if (region.isReapable() && !region.removed)
                {
                    remove(region, "its last hold went");
                    counters.regionReaped(null == region.reapCause ? ReapCause.RELEASE : region.reapCause);
                    reaped++;
                }
            }
        }
        return reaped;
    }

    /** Nanoseconds until the next lingering region is due, or {@code Long.MAX_VALUE}. */
    long nanosToNextReap(final long nowNs)
    {
        long next = Long.MAX_VALUE;
        for (int i = 0, n = lingering.size(); i < n; i++)
        {
            next = Math.min(next, Math.max(0, lingering.get(i).reapDeadlineNs - nowNs));
        }
        return next;
    }

    /** Admin delete: drops every hold on the region and unlinks it. Static regions cannot be deleted. */
    void delete(final Region region)
    {
        for (final Session session : leases.sessions())
        {
            if (session.holds.remove(region))
            {
                region.holders--;
                session.bytesHeld -= region.size;
                account(session.grant, -1, -region.size);
                journal.holdRemoved(session, region);
            }
        }
        lingering.remove(region);
        remove(region, "an operator deleted it");
        counters.regionDeleted();
    }

    private void remove(final Region region, final String why)
    {
        region.removed = true;
        regions.remove(region.key);
        totalBytes -= region.size;
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

    private void account(final TokenGrant grant, final long regionsDelta, final long bytesDelta)
    {
        if (null == grant || grant == TokenGrant.OPEN || (regionsDelta == 0 && bytesDelta == 0))
        {
            return;
        }
        final long[] used = usage.computeIfAbsent(grant, g -> new long[2]);
        used[0] += regionsDelta;
        used[1] += bytesDelta;
    }

    boolean isPrivate(final String name)
    {
        for (final String pattern : config.privateRegions)
        {
            if (RegionNames.matches(pattern, name))
            {
                return true;
            }
        }
        return false;
    }

    private Set<PosixFilePermission> modeFor(final String name)
    {
        if (isPrivate(name))
        {
            return OWNER_ONLY; // private regions are reached by descriptor only, so nobody else needs the file
        }
        for (final DaemonConfig.RegionMode mode : config.regionModes)
        {
            if (RegionNames.matches(mode.pattern(), name))
            {
                return mode.mode();
            }
        }
        return config.regionMode;
    }

    private GroupPrincipal groupFor(final String name)
    {
        if (isPrivate(name))
        {
            return null;
        }
        for (final DaemonConfig.RegionMode mode : config.regionModes)
        {
            if (RegionNames.matches(mode.pattern(), name))
            {
                return null == mode.group() ? null : groups.get(mode.group());
            }
        }
        return null;
    }
}
