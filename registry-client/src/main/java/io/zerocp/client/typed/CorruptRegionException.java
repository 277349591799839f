package io.zerocp.client.typed;

import io.zerocp.client.RegistryException;

/**
 * A typed region holds values its layout cannot hold: another process with write access to the region wrote them
 * (or its file was shrunk). Thrown once per corruption found, naming the region and what was wrong; the structure
 * has by then skipped to a consistent point and counted what it lost, unless {@link #recovered()} says it could
 * not, in which case every later call says so again until the region is consistent.
 */
public final class CorruptRegionException extends RegistryException
{
    private final String regionName;
    private final boolean recovered;

    public CorruptRegionException(final String regionName, final String problem, final boolean recovered)
    {
        super(null, "region " + regionName + " is corrupt: " + problem + (recovered ? "" :
            " (cannot recover until the writer makes it consistent again)"));
        this.regionName = regionName;
        this.recovered = recovered;
    }

    /** @return the region's name. */
    public String regionName()
    {
        return regionName;
    }

    /** @return whether the structure skipped to a consistent point and can be used on. */
    public boolean recovered()
    {
        return recovered;
    }
}
