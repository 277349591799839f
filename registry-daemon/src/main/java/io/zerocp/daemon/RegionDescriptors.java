package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Opens, caches and closes the descriptors that {@code GET_SHM_FD} passes to clients. A read-only descriptor is
 * opened {@code O_RDONLY}, so the kernel refuses a writable mapping of it whatever the client tries. Each is opened
 * by name without following a link and must be the region's own file (same device and inode as when it was made),
 * so a name swapped in a directory others can write never hands out another file.
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
                    region.readOnlyFile = open(region, StandardOpenOption.READ);
                }
                reply.attach(OpenFiles.descriptor(region.readOnlyFile));
            }
            else
            {
                if (null == region.readWriteFile)
                {
                    region.readWriteFile = open(region, StandardOpenOption.READ, StandardOpenOption.WRITE);
                }
                reply.attach(OpenFiles.descriptor(region.readWriteFile));
            }
            return true;
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot open a descriptor for {}: {}", region, ex.toString());
            return false;
        }
    }

    private static FileChannel open(final Region region, final OpenOption... modes) throws IOException
    {
        final Set<OpenOption> options = new HashSet<>(Arrays.asList(modes));
        options.add(LinkOption.NOFOLLOW_LINKS);
        final FileChannel channel = FileChannel.open(region.path, options);
        try
        {
            final Object key = OpenFiles.attributes(channel).fileKey();
            if (null == region.fileKey || !region.fileKey.equals(key))
            {
                throw new IOException(region.path + " is no longer the file made for the region");
            }
            return channel;
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(channel);
            throw ex;
        }
    }

    static void close(final Region region)
    {
        CloseHelper.quietCloseAll(take(region));
    }

    /**
     * Takes the region's descriptors away from it, for a caller about to unlink its file: with one of them open the
     * unlink is only a name going, and the pages go at the close. When none is open, one is opened (read-only,
     * checked to be the region's own file) to that end.
     *
     * @return the descriptors, for the caller to close (entries may be null).
     */
    static AutoCloseable[] take(final Region region)
    {
        FileChannel keep = null;
        if (null == region.readWriteFile && null == region.readOnlyFile && null != region.fileKey)
        {
            try
            {
                keep = open(region, StandardOpenOption.READ);
            }
            catch (final IOException ex)
            {
                LOG.debug("no descriptor kept for the unlink of {}: {}", region, ex.toString());
            }
        }
        final AutoCloseable[] open = { region.readWriteFile, region.readOnlyFile, keep };
        region.readWriteFile = null;
        region.readOnlyFile = null;
        return open;
    }
}
