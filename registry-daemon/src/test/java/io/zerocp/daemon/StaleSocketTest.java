package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is already at the socket path when the daemon starts: a dead socket is replaced, anything else is refused
 * and left alone.
 */
class StaleSocketTest
{
    @Test
    void leftoverSocketFileIsReplacedAndServed() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path socket = dirs.socket();
            try (AFUNIXDatagramChannel previous = AFUNIXDatagramChannel.open())
            {
                previous.bind(AFUNIXSocketAddress.of(socket));
            }
            // junixsocket leaves datagram socket files behind on close, like a crashed daemon would.
            assertTrue(Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther());
            try (AFUNIXDatagramChannel probe = AFUNIXDatagramChannel.open())
            {
                assertThrows(SocketException.class,
                    () -> probe.send(ByteBuffer.wrap(new byte[]{'P'}), AFUNIXSocketAddress.of(socket)),
                    "nobody is bound to the stale socket file");
            }

            final Daemon daemon = Daemon.start(config(dirs));
            try (RawClient client = new RawClient(socket))
            {
                // A socket file nobody is bound to refuses every datagram: replies prove a fresh bind.
                assertEquals("PONG", client.ask("PING"));
                assertEquals(dirs.shmDir() + "/zero_copy_framework_shm", client.ask("GET_SHM_PATH"));
            }
            finally
            {
                daemon.close();
            }
            assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "socket file removed on close");
        }
    }

    @Test
    void regularFileAtTheSocketPathStopsTheStartAndIsKept() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path socket = Files.writeString(dirs.socket(), "precious data\n");

            final Daemon.DaemonStartException ex =
                assertThrows(Daemon.DaemonStartException.class, () -> Daemon.start(config(dirs)));

            assertTrue(ex.getMessage().contains(socket.toString()), ex.getMessage());
            assertTrue(ex.getMessage().contains("not a socket"), ex.getMessage());
            assertTrue(Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS));
            assertEquals("precious data\n", Files.readString(socket));

            // The failed start released its locks: once the path is clear a daemon starts normally.
            Files.delete(socket);
            final Daemon daemon = Daemon.start(config(dirs));
            try (RawClient client = new RawClient(socket))
            {
                assertEquals("PONG", client.ask("PING"));
            }
            finally
            {
                daemon.close();
            }
        }
    }

    @Test
    void directoryAtTheSocketPathStopsTheStartAndIsKept() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path socket = Files.createDirectory(dirs.socket());
            Files.writeString(socket.resolve("inside"), "x");

            final Daemon.DaemonStartException ex =
                assertThrows(Daemon.DaemonStartException.class, () -> Daemon.start(config(dirs)));

            assertTrue(ex.getMessage().contains("not a socket"), ex.getMessage());
            assertTrue(Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS));
            assertEquals("x", Files.readString(socket.resolve("inside")));
        }
    }

    private static DaemonConfig config(final TestDirs dirs)
    {
        return DaemonConfig.builder().socketPath(dirs.socket()).shmDir(dirs.shmDir()).build();
    }
}
