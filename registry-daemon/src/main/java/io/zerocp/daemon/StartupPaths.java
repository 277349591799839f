package io.zerocp.daemon;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The directories and files a start creates, remembered so that a start that fails removes them again and leaves
 * the machine as it found it. Paths that were already there are never touched.
 */
final class StartupPaths
{
    private final Deque<Path> created = new ArrayDeque<>();

    /**
     * Creates {@code dir} and its missing parents.
     *
     * @param option the flag that names it, for the message.
     * @throws ConfigException when it cannot be made, saying what to change.
     */
    void directory(final String option, final Path dir) throws ConfigException
    {
        final Path absolute = dir.toAbsolutePath().normalize();
        final Deque<Path> missing = new ArrayDeque<>();
        for (Path p = absolute; null != p && !Files.exists(p); p = p.getParent())
        {
            missing.push(p);
        }
        for (final Path p : missing)
        {
            try
            {
                Files.createDirectory(p);
                created.push(p);
            }
            catch (final IOException ex)
            {
                throw new ConfigException(option + " " + dir + ": cannot create " + p + " (" + reason(ex) +
                    "); choose a directory that exists or can be created, such as one under /dev/shm");
            }
        }
    }

    /** Remembers a file this start is about to create, if it is not there yet. */
    void fileUnlessPresent(final Path file)
    {
        if (!Files.exists(file))
        {
            created.push(file);
        }
    }

    /** The start succeeded: what it made stays. */
    void keep()
    {
        created.clear();
    }

    /** The start failed: removes what it made, newest first (best effort). */
    void removeCreated()
    {
        while (!created.isEmpty())
        {
            try
            {
                Files.deleteIfExists(created.pop());
            }
            catch (final IOException ignore)
            {
                // not empty (someone else's file appeared) or gone: leave it
            }
        }
    }

    private static String reason(final IOException ex)
    {
        if (ex instanceof NoSuchFileException)
        {
            return "its parent does not allow new directories";
        }
        if (ex instanceof AccessDeniedException)
        {
            return "permission denied";
        }
        if (ex instanceof FileSystemException && null != ((FileSystemException)ex).getReason())
        {
            return ((FileSystemException)ex).getReason();
        }
        return ex.getClass().getSimpleName();
    }
}
