package io.zerocp.testkit;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * A unique shm directory under {@code /dev/shm} and a unique socket directory under {@code /tmp}, both removed by
 * {@link #close()}. Socket paths must stay under 108 bytes, hence the short names.
 */
public final class TestDirs implements AutoCloseable
{
    private final Path shmDir;
    private final Path socketDir;

    public TestDirs()
    {
        final String id = UUID.randomUUID().toString().substring(0, 8);
        try
        {
            shmDir = Files.createDirectories(Paths.get("/dev/shm", "zerocp-test-" + id));
            socketDir = Files.createDirectories(Paths.get("/tmp", "zerocp-test-" + id));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public Path shmDir()
    {
        return shmDir;
    }

    public Path socketDir()
    {
        return socketDir;
    }

    public Path socket()
    {
        return socketDir.resolve("d.sock");
    }

    public Path socket(final String name)
    {
        return socketDir.resolve(name);
    }

    @Override
    public void close()
    {
        deleteTree(shmDir);
        deleteTree(socketDir);
    }

    public static void deleteTree(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try
        {
            Files.walkFileTree(root, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path dir, final IOException exc) throws IOException
                {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot remove " + root, ex);
        }
    }
}
