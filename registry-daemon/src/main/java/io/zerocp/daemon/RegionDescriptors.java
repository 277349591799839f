package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * Opens, caches and closes the descriptors that {@code GET_SHM_FD} passes to clients. A read-only descriptor is
 * opened {@code O_RDONLY}, so the kernel refuses a writable mapping of it whatever the client tries.
 */
final class RegionDescriptors
{
    private static final Logger LOG = LoggerFactory.getLogger(RegionDescriptors.class);

    /** @return whether a descriptor was attached to the reply. */
    boolean attach(final Region region, final boolean readOnly, final ReplyBuffer reply)
    {
        try
        {
            if (readOnly)
            {
                if (null == region.readOnlyFile)
                {
                    region.readOnlyFile = new RandomAccessFile(region.path.toFile(), "r");
                }
                reply.attach(region.readOnlyFile.getFD());
            }
            else
            {
                if (null == region.readWriteFile)
                {
                    region.readWriteFile = new RandomAccessFile(region.path.toFile(), "rw");
                }
                reply.attach(region.readWriteFile.getFD());
            }
            return true;
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot open a descriptor for {}: {}", region, ex.toString());
            return false;
        }
    }

    static void close(final Region region)
    {
        CloseHelper.quietCloseAll(region.readWriteFile, region.readOnlyFile);
        region.readWriteFile = null;
        region.readOnlyFile = null;
    }
}
