package io.zerocp.testkit;

import io.zerocp.api.RegionNames;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks that a daemon's shm directory holds nothing but region files (and its state directory).
 */
public final class ShmDirAssertions
{
    private ShmDirAssertions()
    {
    }

    public static void assertOnlyRegionFiles(final Path shmDir) throws IOException
    {
        assertOnlyRegionFiles(shmDir, name -> true);
    }

    /** @param allowed an extra condition every region file name must meet (e.g. no attack marker). */
    public static void assertOnlyRegionFiles(final Path shmDir, final Predicate<String> allowed) throws IOException
    {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(shmDir))
        {
            for (final Path entry : entries)
            {
                final String name = entry.getFileName().toString();
                if (name.equals(".zerocpd"))
                {
                    continue;
                }
                assertTrue(name.endsWith("_shm") && RegionNames.isValid(name.substring(0, name.length() - 4)),
                    "unexpected entry " + entry);
                assertTrue(Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS), "not a regular file: " + entry);
                assertTrue(allowed.test(name), "unexpected region file " + entry);
            }
        }
    }
}
