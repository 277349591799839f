package io.zerocp.client;

import io.zerocp.api.ErrorReply;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * Child-JVM main run as another user: {@code <socket> <region>}. Tries the region by path (expects Forbidden), opens
 * its file directly (expects a permission error), then maps it through a passed descriptor, reads the long at 0 and
 * writes its negation at 8. Prints one line per step.
 */
public final class ForeignUserPeer
{
    public static void main(final String[] args) throws Exception
    {
        final Path socket = Paths.get(args[0]);
        final String name = args[1];
        System.out.println("USER " + System.getProperty("user.name"));
        try (RegistryClient byPath = RegistryClient.builder().socketPath(socket).timeout(Duration.ofSeconds(10))
            .build())
        {
            byPath.shmPath(name);
            System.out.println("PATH ALLOWED");
        }
        catch (final RegistryException ex)
        {
            System.out.println(ex.error() == ErrorReply.FORBIDDEN ? "PATH FORBIDDEN" : "PATH ERROR " + ex.getMessage());
        }
        final Path file = Paths.get(args[2]);
        try
        {
            Files.newByteChannel(file).close();
            System.out.println("FILE READABLE");
        }
        catch (final java.io.IOException ex)
        {
            System.out.println("FILE DENIED");
        }
        try (RegistryClient byFd = RegistryClient.builder().socketPath(socket).timeout(Duration.ofSeconds(10))
            .transferMode(TransferMode.FD).build();
            SharedRegion region = byFd.acquire(name))
        {
            final long value = region.buffer().getLongVolatile(0);
            System.out.println("READ " + value);
            region.buffer().putLongVolatile(8, -value);
            System.out.println("WROTE");
        }
    }
}
