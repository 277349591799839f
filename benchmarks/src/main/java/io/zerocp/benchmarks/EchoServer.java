package io.zerocp.benchmarks;

import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The yardstick: the same socket stack as zerocpd (a junixsocket {@code AFUNIXDatagramChannel}, one thread, direct
 * buffers) with no registry behind it. Each datagram goes back to its sender unchanged. Clients must bind to paths
 * (abstract sender names come back NUL-padded from junixsocket 2.10.1 and would need the daemon's trimming).
 * <p>
 * Usage: {@code EchoServer <socket path>}. Prints {@code READY} once bound; runs until killed.
 */
public final class EchoServer
{
    private EchoServer()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path path = Paths.get(args[0]);
        Files.deleteIfExists(path);
        try (AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open())
        {
            channel.bind(AFUNIXSocketAddress.of(path));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> path.toFile().delete()));
            final ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
            System.out.println("READY");
            System.out.flush();
            while (true)
            {
                buffer.clear();
                final AFUNIXSocketAddress from = channel.receive(buffer);
                if (null == from)
                {
                    continue;
                }
                buffer.flip();
                try
                {
                    channel.send(buffer, from);
                }
                catch (final java.io.IOException gone)
                {
                    // the client went away; like the daemon, drop the reply
                }
            }
        }
    }
}
