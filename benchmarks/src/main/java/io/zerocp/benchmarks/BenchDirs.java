package io.zerocp.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh pair of directories for one process under test: sockets in /tmp, region files in /dev/shm. Both go on
 * {@link #close()}, whatever the process left in them.
 */
public final class BenchDirs implements AutoCloseable
{
    private static final Path SHM_ROOT = Paths.get("/dev/shm");

    final Path socketDir;
    final Path shmDir;

    private BenchDirs(final Path socketDir, final Path shmDir)
    {
        this.socketDir = socketDir;
        this.shmDir = shmDir;
    }

    static BenchDirs create(final String label)
    {
        try
        {
            final Path socketDir = Files.createTempDirectory("zerocp-bench-" + label + "-");
            final Path shmDir = Files.createTempDirectory(SHM_ROOT, "zerocp-bench-" + label + "-");
            return new BenchDirs(socketDir, shmDir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    Path socket(final String name)
    {
        return socketDir.resolve(name);
    }

    @Override
    public void close()
    {
        deleteTree(socketDir);
        deleteTree(shmDir);
    }

    public static void deleteTree(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            System.err.println("warning: cannot remove " + root + ": " + ex);
        }
    }
}
