package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The regions a start brings back before the socket is bound: the static regions of the config (made, or adopted
 * when a file of the right size is there) and the regions of the saved state (checked, or completed when a crash cut
 * their creation short). On the starting thread, before any request, so it may take its time.
 */
final class StartupRegions
{
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

    private final Registry registry;
    private final RegionFiles files;
    private final RegistryJournal journal;
    private final DaemonContext context;
    private final RegionFilePolicy policy;

    StartupRegions(
        final Registry registry, final DaemonContext context, final RegionFiles files, final RegistryJournal journal)
    {
        this.registry = registry;
        this.context = context;
        this.files = files;
        this.journal = journal;
        this.policy = context.filePolicy();
    }

    /** Creates the regions of the config (the default one first) unless already adopted from saved state. */
    void createStaticRegions() throws RegionException
    {
        createStatic(Protocol.DEFAULT_REGION_NAME, context.config().defaultRegionSize);
        for (final DaemonConfig.StaticRegion r : context.config().staticRegions)
        {
            if (!r.name().equals(Protocol.DEFAULT_REGION_NAME))
            {
                createStatic(r.name(), r.size());
            }
        }
    }

    private void createStatic(final String name, final long size) throws RegionException
    {
        final Region existing = registry.find(name);
        if (null != existing)
        {
            if (existing.size != size)
            {
                throw new RegionException(ErrorReply.SIZE_MISMATCH, "static region " + name + " exists with " +
                    existing.size + " bytes, the config says " + size);
            }
            return;
        }
        final Path path = registry.pathOf(name);
        final long onDisk = RegionFiles.regularFileSize(path);
        final Region region =
            new Region(name, path, size, true, policy.isPrivate(name), context.epochClock().time());
        if (onDisk == size)
        {
            region.fileKey = files.adopt(path, size, policy.modeFor(name));
            LOG.info("adopted existing file {} for static region {}", path, name);
        }
        else
        {
            region.fileKey = files.create(path, size, policy.modeFor(name), policy.groupFor(name));
            context.counters().regionCreated();
        }
        registry.added(region);
        journal.regionCreated(region);
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
        final Path path = registry.pathOf(name);
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
        final Region region = new Region(name, path, size, isStatic, policy.isPrivate(name), createdEpochMs);
        region.fileKey = RegionFiles.fileKey(path);
        registry.added(region);
        return region;
    }
}
