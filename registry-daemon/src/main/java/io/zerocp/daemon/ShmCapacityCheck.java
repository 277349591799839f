package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the shm directory's filesystem holds against what the config lets clients ask for, told once at start: its
 * type, size and free space (statvfs, through {@link FileStore}), and a warning when it is smaller than the largest
 * region the config allows (that region could never be made: its client gets {@code ERROR: No space}) or than the
 * configured floor {@code shm-min-bytes} (a container started with Docker's default 64 MB {@code /dev/shm}, say).
 * The checks only warn: a daemon on a small filesystem still serves the regions that fit.
 */
final class ShmCapacityCheck
{
    private static final Logger LOG = LoggerFactory.getLogger(ShmCapacityCheck.class);

    private final Path dir;
    private final String type;
    private final long totalBytes;
    private final long usableBytes;
    private final long largestRegion;
    private final long floorBytes;

    ShmCapacityCheck(
        final Path dir, final String type, final long totalBytes, final long usableBytes, final long largestRegion,
        final long floorBytes)
    {
        this.dir = dir;
        this.type = type;
        this.totalBytes = totalBytes;
        this.usableBytes = usableBytes;
        this.largestRegion = largestRegion;
        this.floorBytes = floorBytes;
    }

    /**
     * Reads the filesystem that holds {@code dir} (which must exist).
     *
     * @param largestRegion the largest region the config allows one client to create (0: none).
     * @param floorBytes    the smallest filesystem that is not worth a warning (0: no floor).
     */
    static ShmCapacityCheck measure(final Path dir, final long largestRegion, final long floorBytes)
        throws IOException
    {
        final FileStore store = Files.getFileStore(dir);
        return new ShmCapacityCheck(dir, store.type(), store.getTotalSpace(), store.getUsableSpace(), largestRegion,
            floorBytes);
    }

    /** Measures the context's shm dir against its config; the directory must have been created. */
    static ShmCapacityCheck measure(final DaemonContext context) throws IOException
    {
        final DaemonConfig config = context.config();
        return measure(config.shmDir, largestRegion(config, context.openMaxBytes()), config.shmMinBytes);
    }

    /**
     * The largest region one client may create under this config: {@code max-region-size}, capped with
     * authentication off by {@code open-max-bytes} (all dynamic regions together), with it on by the most generous
     * grant that may create (its {@code max-region-size} and {@code max-bytes}); at least the largest static region.
     */
    static long largestRegion(final DaemonConfig config, final long openMaxBytes)
    {
        long largest = 0;
        if (!config.authEnabled())
        {
            largest = Math.min(config.maxRegionSize, openMaxBytes);
        }
        else
        {
            for (final TokenGrant grant : config.tokens)
            {
                largest = Math.max(largest, grantLargest(config, grant));
            }
        }
        for (final CredentialRule rule : config.credentialRules)
        {
            largest = Math.max(largest, grantLargest(config, rule.grant()));
        }
        for (final DaemonConfig.StaticRegion region : config.staticRegions)
        {
            largest = Math.max(largest, region.size());
        }
        return largest;
    }

    private static long grantLargest(final DaemonConfig config, final TokenGrant grant)
    {
        return null == grant || !grant.mayCreate ? 0 :
            Math.min(config.maxRegionSize, Math.min(grant.maxRegionSize, grant.maxBytes));
    }

    /** @return the one line saying what the filesystem is and holds. */
    String summary()
    {
        return "shm dir " + dir + " is on " + type + ": " + bytes(totalBytes) + ", " + bytes(usableBytes) +
            " free; the largest region the config allows is " + bytes(largestRegion) +
            (floorBytes > 0 ? ", shm-min-bytes " + bytes(floorBytes) : "");
    }

    /** @return the warning when the largest region the config allows cannot fit the filesystem, else null. */
    String regionWarning()
    {
        if (largestRegion <= totalBytes)
        {
            return null;
        }
        return "shm dir " + dir + " (" + type + ") holds " + bytes(totalBytes) + ", less than the largest region " +
            "the config allows (" + bytes(largestRegion) + "): requests that large will get ERROR: No space; " +
            "lower max-region-size (or the tokens' max-region-size/max-bytes) or give the shm filesystem more " +
            "room (docker run --shm-size, a Kubernetes emptyDir sizeLimit; see docs/operations.md)";
    }

    /** @return the warning when the filesystem is below {@code shm-min-bytes}, else null. */
    String floorWarning()
    {
        if (floorBytes <= 0 || totalBytes >= floorBytes)
        {
            return null;
        }
        return "shm dir " + dir + " (" + type + ") holds " + bytes(totalBytes) + ", less than shm-min-bytes " +
            bytes(floorBytes) + "; give it more room (docker run --shm-size, a Kubernetes emptyDir sizeLimit; " +
            "see docs/operations.md)";
    }

    /**
     * At start, once the state is restored (journal and static regions made) and nothing can refuse the start any
     * more: logs what the shm filesystem holds and each warning that applies.
     */
    static void report(final DaemonContext context)
    {
        try
        {
            measure(context).log(LOG);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot read the size of the filesystem of shm dir {}: {}", context.config().shmDir, ex.toString());
        }
    }

    /** Logs the summary at info and each warning that applies. */
    void log(final Logger log)
    {
        log.info(summary());
        final String region = regionWarning();
        if (null != region)
        {
            log.warn(region);
        }
        final String floor = floorWarning();
        if (null != floor)
        {
            log.warn(floor);
        }
    }

    long totalBytes()
    {
        return totalBytes;
    }

    long usableBytes()
    {
        return usableBytes;
    }

    String type()
    {
        return type;
    }

    static String bytes(final long bytes)
    {
        if (bytes >= 1L << 30)
        {
            return bytes + " bytes (" + String.format(java.util.Locale.ROOT, "%.1f", bytes / (double)(1L << 30)) +
                " GiB)";
        }
        if (bytes >= 1L << 20)
        {
            return bytes + " bytes (" + String.format(java.util.Locale.ROOT, "%.1f", bytes / (double)(1L << 20)) +
                " MiB)";
        }
        return bytes + " bytes";
    }
}
