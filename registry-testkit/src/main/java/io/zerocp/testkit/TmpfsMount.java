package io.zerocp.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small tmpfs of its own, mounted on a fresh directory under {@code /tmp}, for tests of a full filesystem. Needs
 * root: elsewhere {@link #mount(String)} skips the test (a JUnit assumption) with the reason. {@link #close()}
 * unmounts it (asserting that worked) and removes the directory; safe twice.
 */
public final class TmpfsMount implements AutoCloseable
{
    private final Path path;
    private boolean mounted;

    private TmpfsMount(final Path path)
    {
        this.path = path;
    }

    /** @param size as {@code mount -o size=} takes it, e.g. {@code "16m"}. */
    public static TmpfsMount mount(final String size) throws IOException, InterruptedException
    {
        final TmpfsMount tmpfs = new TmpfsMount(Files.createTempDirectory("zerocp-tmpfs-"));
        final String output = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", tmpfs.path.toString());
        if (null != output)
        {
            tmpfs.close();
        }
        assumeTrue(null == output, () -> "skipped: cannot mount a tmpfs (needs root): " + output);
        tmpfs.mounted = true;
        return tmpfs;
    }

    /** @return where it is mounted. */
    public Path path()
    {
        return path;
    }

    @Override
    public void close() throws IOException, InterruptedException
    {
        if (mounted)
        {
            mounted = false;
            assertNull(run("umount", path.toString()), "umount " + path);
        }
        if (Files.exists(path))
        {
            try (Stream<Path> files = Files.walk(path))
            {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** @return null when the command exited 0, else its output (and exit status). */
    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                return command[0] + " did not finish: " + output;
            }
            return process.exitValue() == 0 ? null : output.strip() + " (exit " + process.exitValue() + ")";
        }
        finally
        {
            process.destroyForcibly();
        }
    }
}
