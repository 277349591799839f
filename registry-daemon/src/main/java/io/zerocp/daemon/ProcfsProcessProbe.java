package io.zerocp.daemon;

import io.zerocp.api.ProcessStat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Reads {@code /proc/<pid>/stat}: state (field 3) and start time (field 22).
 * <p>
 * Counts a zombie as dead, unlike {@code ProcessHandle}: a killed client whose parent never reaps it must not keep its
 * regions forever. The start time guards against pid reuse. Thread-safe.
 */
final class ProcfsProcessProbe implements ProcessProbe
{
    private static final Path PROC = Paths.get("/proc");
    // One buffer per thread: the conductor (REGISTER) and the watcher thread probe at the same time.
    private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[1024]);

    @Override
    public long startTicks(final long pid)
    {
        final byte[] buffer = buffers.get();
        final int length;
        try (InputStream in = Files.newInputStream(PROC.resolve(Long.toString(pid)).resolve("stat")))
        {
            length = in.readNBytes(buffer, 0, buffer.length);
        }
        catch (final IOException ex)
        {
            return OpenFiles.isOutOfDescriptors(ex) ? NO_DESCRIPTORS : DEAD;
        }
        return ProcessStat.parseStartTicks(buffer, length);
    }
}
