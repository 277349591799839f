package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
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
 * <p>
 * At most {@code max-kept-descriptors} stay open, those of the regions most recently asked for; the least recently
 * asked for are closed past it and opened again when next asked for. Once every region's descriptors stayed open
 * for its life, so ~10k small regions each asked for both ways took the daemon to its descriptor limit, and from
 * then on every client's request failed. A bound per uid would refuse someone; a bounded cache refuses nobody: a
 * client whose descriptor was closed meanwhile costs one {@code open} more. Closing is safe at any time: a reply
 * carrying a descriptor is sent before the next request is read (both transports), and the region being answered
 * is never the one closed. When the process is out of descriptors all the same ({@code EMFILE}: other descriptors,
 * a low limit), every cached one but the region's is closed and the open is tried once more; failing that, the
 * request is answered {@code ERROR: Too many open files}. Conductor thread only.
 */
final class RegionDescriptors
{
    private static final Logger LOG = LoggerFactory.getLogger(RegionDescriptors.class);

    private final int limit;
    private int open;
    private Region oldest;
    private Region newest;

    /** @param limit descriptors kept open at most (at least 2: one region's read-write and read-only ones). */
    RegionDescriptors(final int limit)
    {
        this.limit = Math.max(2, limit);
    }

    /** @return descriptors kept open now (tests and metrics). */
    int open()
    {
        return open;
    }

    /** @return null when a descriptor was attached to the reply, else the error to answer. */
    ErrorReply attach(final Region region, final boolean readOnly, final ReplyBuffer reply)
    {
        try
        {
            final FileChannel channel = channel(region, readOnly);
            reply.attach(OpenFiles.descriptor(channel));
            trimExcept(region);
            return null;
        }
        catch (final IOException ex)
        {
            if (OpenFiles.isOutOfDescriptors(ex))
            {
                LOG.warn("out of file descriptors opening {} ({} kept open by GET_SHM_FD)", region, open);
                return ErrorReply.TOO_MANY_OPEN_FILES;
            }
            LOG.warn("cannot open a descriptor for {}: {}", region, ex.toString());
            return ErrorReply.INTERNAL;
        }
    }

    private FileChannel channel(final Region region, final boolean readOnly) throws IOException
    {
        FileChannel channel = readOnly ? region.readOnlyFile : region.readWriteFile;
        if (null == channel)
        {
            channel = openRetrying(region, readOnly);
            if (readOnly)
            {
                region.readOnlyFile = channel;
            }
            else
            {
                region.readWriteFile = channel;
            }
            open++;
        }
        unlink(region);
        linkNewest(region);
        return channel;
    }

    private FileChannel openRetrying(final Region region, final boolean readOnly) throws IOException
    {
        final OpenOption[] modes = readOnly ? new OpenOption[] { StandardOpenOption.READ } :
            new OpenOption[] { StandardOpenOption.READ, StandardOpenOption.WRITE };
        try
        {
            return open(region, modes);
        }
        catch (final IOException ex)
        {
            if (!OpenFiles.isOutOfDescriptors(ex) || !evictAllExcept(region))
            {
                throw ex;
            }
            return open(region, modes); // what the cache held is free again
        }
    }

    /** Closes the least recently asked for until at most {@code limit} are open; never {@code keep}'s. */
    private void trimExcept(final Region keep)
    {
        while (open > limit && null != oldest && oldest != keep)
        {
            closeCached(oldest);
        }
    }

    /** @return whether any descriptor was closed. */
    private boolean evictAllExcept(final Region keep)
    {
        boolean any = false;
        Region region = oldest;
        while (null != region)
        {
            final Region next = region.newerOpen;
            if (region != keep)
            {
                closeCached(region);
                any = true;
            }
            region = next;
        }
        return any;
    }

    private void closeCached(final Region region)
    {
        final FileChannel readWrite = region.readWriteFile;
        final FileChannel readOnly = region.readOnlyFile;
        forget(region);
        CloseHelper.quietCloseAll(readWrite, readOnly); // the file keeps its name: no pages are freed here
    }

    /** Takes the region out of the cache and its count (its channels are the caller's to close). */
    private void forget(final Region region)
    {
        open -= (null == region.readWriteFile ? 0 : 1) + (null == region.readOnlyFile ? 0 : 1);
        region.readWriteFile = null;
        region.readOnlyFile = null;
        unlink(region);
    }

    private void linkNewest(final Region region)
    {
        region.olderOpen = newest;
        region.newerOpen = null;
        if (null != newest)
        {
            newest.newerOpen = region;
        }
        newest = region;
        if (null == oldest)
        {
            oldest = region;
        }
    }

    private void unlink(final Region region)
    {
        final Region older = region.olderOpen;
        final Region newer = region.newerOpen;
        if (null != older)
        {
            older.newerOpen = newer;
        }
        else if (oldest == region)
        {
            oldest = newer;
        }
        if (null != newer)
        {
            newer.olderOpen = older;
        }
        else if (newest == region)
        {
            newest = older;
        }
        region.olderOpen = null;
        region.newerOpen = null;
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

    /**
     * Takes the region's descriptors away from it, for a caller about to unlink its file: with one of them open the
     * unlink is only a name going, and the pages go at the close. When none is open, one is opened (read-only,
     * checked to be the region's own file) to that end.
     *
     * @return the descriptors, for the caller to close (entries may be null).
     */
    AutoCloseable[] take(final Region region)
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
        final AutoCloseable[] taken = { region.readWriteFile, region.readOnlyFile, keep };
        forget(region);
        return taken;
    }
}
