package io.zerocp.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pids across pid namespaces: a client in a container knows itself by the pid of its own namespace, while the
 * kernel hands the daemon the pid in the daemon's. {@code /proc/<pid>/status} lists both ({@code NSpid:}).
 */
final class ProcessNamespaces
{
    private ProcessNamespaces()
    {
    }

    /** @return whether {@code claimed} is the innermost-namespace pid of the process the kernel knows as {@code pid}. */
    static boolean isSameProcess(final long pid, final long claimed)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
            {
                if (line.startsWith("NSpid:"))
                {
                    final String[] pids = line.substring("NSpid:".length()).trim().split("\\s+");
                    return pids.length > 1 && Long.toString(claimed).equals(pids[pids.length - 1]);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return false; // gone, or no such line: no match
        }
        return false;
    }
}
