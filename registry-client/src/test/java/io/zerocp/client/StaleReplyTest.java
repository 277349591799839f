package io.zerocp.client;

import io.zerocp.daemon.testkit.TestDirs;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.RandomAccessFile;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The protocol has no request ids: a late answer to an earlier {@code GET_SHM_FD} (a size with a descriptor) looks
 * like an answer to {@code GET_SHM_SIZE}. The connection tells them apart by the descriptor.
 */
class StaleReplyTest
{
    @Test
    void aLateDescriptorReplyIsNotTakenForTheAnswerToASizeRequest() throws Exception
    {
        try (TestDirs dirs = new TestDirs();
            AFUNIXDatagramChannel peer = AFUNIXDatagramChannel.open();
            AFUNIXDatagramChannel sideChannel = AFUNIXDatagramChannel.open();
            RandomAccessFile file = new RandomAccessFile(dirs.shmDir().resolve("stale_shm").toFile(), "rw"))
        {
            final Path socket = dirs.socket("peer.sock");
            peer.bind(AFUNIXSocketAddress.of(socket));
            sideChannel.bind(AFUNIXSocketAddress.of(dirs.socket("peer.sock.fd"))); // as the daemon's side socket
            final Thread fakeDaemon = new Thread(() ->
            {
                try
                {
                    final ByteBuffer request = ByteBuffer.allocate(1100);
                    final SocketAddress client = peer.receive(request);
                    // First a stale "4096" carrying a descriptor (as a GET_SHM_FD reply would), then the real answer.
                    sideChannel.connect(client);
                    sideChannel.setOutboundFileDescriptors(file.getFD());
                    sideChannel.write(ByteBuffer.wrap("4096".getBytes(StandardCharsets.US_ASCII)));
                    sideChannel.disconnect();
                    peer.send(ByteBuffer.wrap("8192".getBytes(StandardCharsets.US_ASCII)), client);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            fakeDaemon.start();

            final Path clientSocket = dirs.socket("client.sock");
            try (DatagramConnection connection = new DatagramConnection(socket, AFUNIXSocketAddress.of(clientSocket),
                clientSocket))
            {
                final String reply = connection.exchange("GET_SHM_SIZE:stale", r -> r.matches("[0-9]+"),
                    TimeUnit.SECONDS.toNanos(5), 0);
                assertEquals("8192", reply);
                assertNull(connection.takeDescriptor(), "the stale reply's descriptor was closed, not kept");
            }
            fakeDaemon.join(5000);
        }
    }

    @Test
    void aReplyFromAnyoneButTheDaemonIsIgnored() throws Exception
    {
        try (TestDirs dirs = new TestDirs();
            AFUNIXDatagramChannel peer = AFUNIXDatagramChannel.open();
            AFUNIXDatagramChannel forger = AFUNIXDatagramChannel.open())
        {
            final Path socket = dirs.socket("peer.sock");
            peer.bind(AFUNIXSocketAddress.of(socket));
            forger.bind(AFUNIXSocketAddress.of(dirs.socket("forger.sock")));
            final Path realPath = dirs.shmDir().resolve("victim_shm");
            final Thread fakeDaemon = new Thread(() ->
            {
                try
                {
                    final ByteBuffer request = ByteBuffer.allocate(1100);
                    final SocketAddress client = peer.receive(request);
                    // Another local process answers first, with a path of its choosing that passes the shape check.
                    forger.send(ByteBuffer.wrap("/tmp/evil/victim_shm".getBytes(StandardCharsets.US_ASCII)), client);
                    Thread.sleep(50);
                    peer.send(ByteBuffer.wrap(realPath.toString().getBytes(StandardCharsets.US_ASCII)), client);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            fakeDaemon.start();

            final Path clientSocket = dirs.socket("client.sock");
            try (DatagramConnection connection = new DatagramConnection(socket, AFUNIXSocketAddress.of(clientSocket),
                clientSocket))
            {
                final String reply = connection.exchange("GET_SHM_PATH:victim", r -> r.endsWith("/victim_shm"),
                    TimeUnit.SECONDS.toNanos(5), 0);
                assertEquals(realPath.toString(), reply);
            }
            fakeDaemon.join(5000);
        }
    }

    @Test
    void aLateDescriptorForAnotherRegionIsNotTakenForThisOne() throws Exception
    {
        try (TestDirs dirs = new TestDirs();
            AFUNIXDatagramChannel peer = AFUNIXDatagramChannel.open();
            AFUNIXDatagramChannel sideChannel = AFUNIXDatagramChannel.open();
            RandomAccessFile a = new RandomAccessFile(dirs.shmDir().resolve("a_shm").toFile(), "rw");
            RandomAccessFile b = new RandomAccessFile(dirs.shmDir().resolve("b_shm").toFile(), "rw"))
        {
            final Path socket = dirs.socket("peer.sock");
            peer.bind(AFUNIXSocketAddress.of(socket));
            sideChannel.bind(AFUNIXSocketAddress.of(dirs.socket("peer.sock.fd")));
            final Thread fakeDaemon = new Thread(() ->
            {
                try
                {
                    final SocketAddress client = peer.receive(ByteBuffer.allocate(1100));
                    for (final RandomAccessFile file : new RandomAccessFile[] {a, b}) // a late duplicate for a, then b
                    {
                        sideChannel.connect(client);
                        sideChannel.setOutboundFileDescriptors(file.getFD());
                        sideChannel.write(ByteBuffer.wrap("4096".getBytes(StandardCharsets.US_ASCII)));
                        sideChannel.disconnect();
                    }
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            fakeDaemon.start();

            final Path clientSocket = dirs.socket("client.sock");
            try (DatagramConnection connection = new DatagramConnection(socket, AFUNIXSocketAddress.of(clientSocket),
                clientSocket))
            {
                connection.exchange("GET_SHM_FD:b", r -> connection.descriptorIsRegion("b"),
                    TimeUnit.SECONDS.toNanos(5), 0);
                final java.io.FileDescriptor fd = connection.takeDescriptor();
                final int number = org.newsclub.net.unix.FileDescriptorCast.using(fd).as(Integer.class);
                assertEquals(dirs.shmDir().resolve("b_shm"),
                    java.nio.file.Files.readSymbolicLink(java.nio.file.Paths.get("/proc/self/fd/" + number)));
                DatagramConnection.closeDescriptor(fd);
            }
            fakeDaemon.join(5000);
        }
    }
}
