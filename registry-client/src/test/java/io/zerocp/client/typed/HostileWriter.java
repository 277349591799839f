package io.zerocp.client.typed;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Another process with write access to a region: a python3 child that maps the region's file and stores what it is
 * told, or truncates the file. Operations: {@code q:<offset>:<long>}, {@code i:<offset>:<int>}, {@code t:<size>}.
 */
final class HostileWriter
{
    private static final String SCRIPT = String.join("\n",
        "import mmap, os, struct, sys",
        "fd = os.open(sys.argv[1], os.O_RDWR)",
        "for op in sys.argv[2:]:",
        "    parts = op.split(':')",
        "    if parts[0] == 't':",
        "        os.ftruncate(fd, int(parts[1]))",
        "        continue",
        "    m = mmap.mmap(fd, os.fstat(fd).st_size)",
        "    struct.pack_into('<q' if parts[0] == 'q' else '<i', m, int(parts[1]), int(parts[2]))",
        "    m.close()",
        "os.close(fd)");

    private HostileWriter()
    {
    }

    static void write(final Path file, final String... operations)
    {
        final List<String> command = new ArrayList<>(List.of("python3", "-c", SCRIPT, file.toString()));
        command.addAll(List.of(operations));
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException("python3 writer did not finish");
            }
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0)
            {
                throw new IllegalStateException("python3 writer failed: " + output);
            }
        }
        catch (final IOException ex)
        {
            Assumptions.abort("python3 is needed for the hostile writer: " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    static String q(final long offset, final long value)
    {
        return "q:" + offset + ":" + value;
    }

    static String i(final long offset, final long value)
    {
        return "i:" + offset + ":" + value;
    }
}
