package io.zerocp.client;

import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The protocol has no request ids and anyone on the host can write to a client's address: the connection takes a
 * reply only from the daemon's paths, with a descriptor exactly when the request passes one, and a passed
 * descriptor only when it is the requested region's file. A scripted fake daemon answers wrongly first. The
 * predicates are the client's own ({@link Replies}, {@link RegionRequests}), not stand-ins.
 */
class StaleReplyTest
{
    @Test
    void aLateDescriptorReplyIsNotTakenForTheAnswerToASizeRequest() throws Exception
    {
        try (FakeDaemon daemon = new FakeDaemon();
            RandomAccessFile file = new RandomAccessFile(daemon.dirs.shmDir().resolve("stale_shm").toFile(), "rw"))
        {
            // First a stale "4096" carrying a descriptor (as a GET_SHM_FD reply would), then the real answer.
            daemon.answer(client ->
            {
                daemon.sendWithDescriptor(client, file.getFD(), "4096");
                daemon.send(daemon.socket, client, "8192");
            });
            try (DatagramConnection connection = daemon.connect())
            {
                final String reply = connection.exchange("GET_SHM_SIZE:stale", Replies::isNumberOrError,
                    TimeUnit.SECONDS.toNanos(5), 0);
                assertEquals("8192", reply);
                assertNull(connection.takeDescriptor(), "the stale reply's descriptor was closed, not kept");
            }
        }
    }

    @Test
    void aReplyFromAnyoneButTheDaemonIsIgnored() throws Exception
    {
        try (FakeDaemon daemon = new FakeDaemon();
            AFUNIXDatagramChannel forger = AFUNIXDatagramChannel.open())
        {
            forger.bind(AFUNIXSocketAddress.of(daemon.dirs.socket("forger.sock")));
            final Path realPath = daemon.dirs.shmDir().resolve("victim_shm");
            daemon.answer(client ->
            {
                // Another local process answers first, with a path of its choosing that passes the shape check.
                daemon.send(forger, client, "/tmp/evil/victim_shm");
                Thread.sleep(50);
                daemon.send(daemon.socket, client, realPath.toString());
            });
            try (DatagramConnection connection = daemon.connect())
            {
                final String reply = connection.exchange("GET_SHM_PATH:victim", Replies.pathOf("victim"),
                    TimeUnit.SECONDS.toNanos(5), 0);
                assertEquals(realPath.toString(), reply);
            }
        }
    }

    @Test
    void aLateDescriptorForAnotherRegionIsNotTakenForThisOne() throws Exception
    {
        try (FakeDaemon daemon = new FakeDaemon();
            RandomAccessFile a = new RandomAccessFile(daemon.dirs.shmDir().resolve("a_shm").toFile(), "rw");
            RandomAccessFile b = new RandomAccessFile(daemon.dirs.shmDir().resolve("b_shm").toFile(), "rw"))
        {
            daemon.answer(client ->
            {
                daemon.sendWithDescriptor(client, a.getFD(), "4096"); // a late duplicate for a, then b
                daemon.sendWithDescriptor(client, b.getFD(), "4096");
            });
            try (DatagramConnection connection = daemon.connect())
            {
                final ClientSettings settings = new ClientSettings(daemon.dirs.socket("peer.sock"), null,
                    TimeUnit.SECONDS.toNanos(5), 0, false, null, TransferMode.FD, daemon.dirs.shmDir(),
                    ClientSettings.SOCKET_OWNER);
                connection.exchange("GET_SHM_FD:b", RegionRequests.answer(settings, connection, "b"),
                    TimeUnit.SECONDS.toNanos(5), 0);
                final FileDescriptor fd = connection.takeDescriptor();
                final int number = FileDescriptorCast.using(fd).as(Integer.class);
                assertEquals(daemon.dirs.shmDir().resolve("b_shm"),
                    Files.readSymbolicLink(Paths.get("/proc/self/fd/" + number)));
                DatagramConnection.closeDescriptor(fd);
            }
        }
    }

    /** What the fake daemon does with the one request it receives. */
    @FunctionalInterface
    private interface Script
    {
        void answer(SocketAddress client) throws Exception;
    }

    /**
     * Bound where a daemon would be: {@code peer.sock} and its descriptor side socket {@code peer.sock.fd}. Answers
     * one request on a thread of its own, as scripted.
     */
    private static final class FakeDaemon implements AutoCloseable
    {
        final TestDirs dirs = new TestDirs();
        final AFUNIXDatagramChannel socket = AFUNIXDatagramChannel.open();
        final AFUNIXDatagramChannel side = AFUNIXDatagramChannel.open();
        private Thread thread;

        FakeDaemon() throws IOException
        {
            socket.bind(AFUNIXSocketAddress.of(dirs.socket("peer.sock")));
            side.bind(AFUNIXSocketAddress.of(dirs.socket("peer.sock.fd")));
        }

        void answer(final Script script)
        {
            thread = new Thread(() ->
            {
                try
                {
                    script.answer(socket.receive(ByteBuffer.allocate(1100)));
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            thread.start();
        }

        DatagramConnection connect() throws IOException
        {
            final Path clientSocket = dirs.socket("client.sock");
            return new DatagramConnection(dirs.socket("peer.sock"), AFUNIXSocketAddress.of(clientSocket),
                clientSocket);
        }

        void send(final AFUNIXDatagramChannel from, final SocketAddress client, final String text) throws IOException
        {
            from.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), client);
        }

        void sendWithDescriptor(final SocketAddress client, final FileDescriptor fd, final String text)
            throws IOException
        {
            side.connect(client);
            side.setOutboundFileDescriptors(fd);
            side.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            side.disconnect();
        }

        @Override
        public void close() throws Exception
        {
            if (null != thread)
            {
                thread.join(5000);
            }
            socket.close();
            side.close();
            dirs.close();
        }
    }
}
