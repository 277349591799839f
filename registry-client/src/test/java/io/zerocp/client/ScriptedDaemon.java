package io.zerocp.client;

import io.zerocp.testkit.TestDirs;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Something bound where zerocpd would be ({@code d.sock} and its descriptor side socket {@code d.sock.fd}) that
 * answers every request as its script says: a squatter on the daemon's path, or a daemon gone silent. Answers on a
 * thread of its own until closed.
 */
final class ScriptedDaemon implements AutoCloseable
{
    /** What to do with one request. */
    @FunctionalInterface
    interface Script
    {
        void answer(ScriptedDaemon daemon, String request, SocketAddress client) throws Exception;
    }

    final TestDirs dirs = new TestDirs();
    private final AFUNIXDatagramChannel socket = AFUNIXDatagramChannel.open();
    private final AFUNIXDatagramChannel side = AFUNIXDatagramChannel.open();
    private final AtomicInteger requests = new AtomicInteger();
    private final Thread thread;
    private volatile boolean closed;

    ScriptedDaemon(final Script script) throws IOException
    {
        socket.bind(AFUNIXSocketAddress.of(socket()));
        side.bind(AFUNIXSocketAddress.of(dirs.socket("d.sock.fd")));
        socket.socket().setSoTimeout(100);
        thread = new Thread(() ->
        {
            final ByteBuffer in = ByteBuffer.allocate(2048);
            while (!closed)
            {
                try
                {
                    in.clear();
                    final SocketAddress client = socket.receive(in);
                    if (null == client)
                    {
                        continue;
                    }
                    in.flip();
                    requests.incrementAndGet();
                    script.answer(this, StandardCharsets.US_ASCII.decode(in).toString(), client);
                }
                catch (final SocketTimeoutException ex)
                {
                    // look at closed again
                }
                catch (final Exception ex)
                {
                    if (!closed)
                    {
                        ex.printStackTrace();
                    }
                }
            }
        }, "scripted-daemon");
        thread.setDaemon(true);
        thread.start();
    }

    /** A daemon that receives and never answers. */
    static ScriptedDaemon silent() throws IOException
    {
        return new ScriptedDaemon((d, request, client) -> { });
    }

    Path socket()
    {
        return dirs.socket("d.sock");
    }

    int requests()
    {
        return requests.get();
    }

    RegistryClient.Builder clientBuilder()
    {
        return RegistryClient.builder().socketPath(socket()).register(false);
    }

    void send(final SocketAddress client, final String text) throws IOException
    {
        socket.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), client);
    }

    void sendWithDescriptor(final SocketAddress client, final FileDescriptor fd, final String text)
        throws IOException
    {
        synchronized (side)
        {
            side.connect(client);
            side.setOutboundFileDescriptors(fd);
            side.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            side.disconnect();
        }
    }

    @Override
    public void close() throws Exception
    {
        closed = true;
        thread.join(5000);
        socket.close();
        side.close();
        dirs.close();
    }
}
