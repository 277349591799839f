package io.zerocp.daemon;

import java.util.Collection;
import java.util.HashMap;

/** The regions by name and their total size. A plain table: what a change means is decided by {@link Registry}. */
final class RegionTable
{
    private final HashMap<NameKey, Region> regions = new HashMap<>();
    private long totalBytes;
    private long dynamicBytes;

    Region find(final NameKey key)
    {
        return regions.get(key);
    }

    Region find(final String name)
    {
        return regions.get(NameKey.of(name));
    }

    void add(final Region region)
    {
        regions.put(region.key, region);
        totalBytes += region.size;
        dynamicBytes += region.isStatic ? 0 : region.size;
    }

    void remove(final Region region)
    {
        if (regions.remove(region.key, region))
        {
            totalBytes -= region.size;
            dynamicBytes -= region.isStatic ? 0 : region.size;
        }
    }

    Collection<Region> all()
    {
        return regions.values();
    }

    int size()
    {
        return regions.size();
    }

    long totalBytes()
    {
        return totalBytes;
    }

    /** Bytes of the regions made on request (not in the config). */
    long dynamicBytes()
    {
        return dynamicBytes;
    }
}
