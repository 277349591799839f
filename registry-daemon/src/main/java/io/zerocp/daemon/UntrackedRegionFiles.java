package io.zerocp.daemon;

import io.zerocp.api.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds files in the shm directory that look like regions ({@code *_shm}) but that the registry does not track, so
 * the operator hears about them at start. They are never deleted: they may belong to another program, to another
 * daemon's shm dir, or to a journal that was lost, and a live process may still have them mapped. A region name
 * whose file is in the way answers {@code ERROR: Name in use} until someone removes the file.
 */
final class UntrackedRegionFiles
{
    private static final Logger LOG = LoggerFactory.getLogger(UntrackedRegionFiles.class);
    private static final int MAX_LISTED = 20;

    private UntrackedRegionFiles()
    {
    }

    /** @return the region-like files in {@code shmDir} that none of {@code regions} owns, sorted by name. */
    static List<Path> find(final Path shmDir, final Collection<Region> regions) throws IOException
    {
        final Set<Path> tracked = new HashSet<>();
        for (final Region region : regions)
        {
            tracked.add(region.path.getFileName());
        }
        final List<Path> untracked = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(shmDir, "*" + Protocol.REGION_FILE_SUFFIX))
        {
            for (final Path entry : entries)
            {
                if (!tracked.contains(entry.getFileName()) && !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
                {
                    untracked.add(entry);
                }
            }
        }
        untracked.sort(null);
        return untracked;
    }

    /** Logs the untracked files, if any; a failure to list the directory is logged, never fatal. */
    static void log(final Path shmDir, final Collection<Region> regions)
    {
        final List<Path> untracked;
        try
        {
            untracked = find(shmDir, regions);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot list {} for untracked region files: {}", shmDir, ex.toString());
            return;
        }
        if (untracked.isEmpty())
        {
            return;
        }
        final StringBuilder names = new StringBuilder();
        for (int i = 0; i < untracked.size() && i < MAX_LISTED; i++)
        {
            names.append(i == 0 ? "" : ", ").append(untracked.get(i).getFileName());
        }
        if (untracked.size() > MAX_LISTED)
        {
            names.append(", ... (").append(untracked.size() - MAX_LISTED).append(" more)");
        }
        LOG.warn("{} file(s) in {} look like regions but are not in the registry; leaving them alone (their names " +
            "answer 'Name in use' until removed): {}", untracked.size(), shmDir, names);
    }
}
