package io.zerocp.client;

import java.nio.file.Paths;
import java.time.Duration;

/**
 * Child-JVM main: {@code <socket> <cycles>}. Holds one region and acquires and closes it {@code cycles} times in
 * descriptor mode, then prints {@code DONE <open descriptors>}. Run under {@code ulimit -n 200}: one descriptor left
 * open per cycle would end in "Too many open files" long before the end.
 */
public final class DescriptorCycler
{
    public static void main(final String[] args) throws Exception
    {
        final int cycles = Integer.parseInt(args[1]);
        try (RegistryClient client = RegistryClient.builder().socketPath(Paths.get(args[0]))
            .transferMode(TransferMode.FD).timeout(Duration.ofSeconds(20)).build();
            SharedRegion held = client.acquire("cycled", 65536))
        {
            for (int i = 0; i < cycles; i++)
            {
                try (SharedRegion region = client.acquire("cycled"))
                {
                    region.buffer().putInt(0, i);
                }
            }
            try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(Paths.get("/proc/self/fd")))
            {
                System.out.println("DONE " + fds.count() + " " + held.buffer().getInt(0));
            }
        }
    }
}
