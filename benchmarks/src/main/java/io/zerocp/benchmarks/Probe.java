package io.zerocp.benchmarks;

import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The suite's own datagram client, bound to a unique abstract name: sets up state (regions, registrations) and
 * checks readiness. Not used for anything that is timed, except {@link #awaitPong} in the startup test.
 */
final class Probe implements AutoCloseable
{
    private static final AtomicLong COUNTER = new AtomicLong();

    private final AFUNIXDatagramChannel channel;
    private final AFUNIXSocketAddress server;
    private final ByteBuffer out = ByteBuffer.allocateDirect(2048);
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);

    Probe(final Path serverSocket)
    {
        try
        {
            server = AFUNIXSocketAddress.of(serverSocket);
            channel = AFUNIXDatagramChannel.open();
            channel.bind(AFUNIXSocketAddress.inAbstractNamespace(
                "zerocp-bench-probe-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()));
            channel.socket().setSoTimeout(5000);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the reply to {@code request}. */
    String ask(final String request)
    {
        try
        {
            send(request);
            in.clear();
            channel.receive(in);
            in.flip();
            final byte[] bytes = new byte[in.remaining()];
            in.get(bytes);
            return new String(bytes, StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(request, ex);
        }
    }

    private void send(final String request) throws IOException
    {
        out.clear();
        out.put(request.getBytes(StandardCharsets.US_ASCII)).flip();
        channel.send(out, server);
    }

    /**
     * Sends PING every few hundred microseconds until PONG comes back; the socket may not exist yet.
     *
     * @return nanoTime at which PONG arrived, or -1 on timeout.
     */
    long awaitPong(final long timeoutMs) throws IOException
    {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        channel.configureBlocking(false);
        try
        {
            while (System.nanoTime() < deadline)
            {
                try
                {
                    send("PING");
                }
                catch (final IOException notYet)
                {
                    Thread.onSpinWait(); // no socket file yet, or nobody bound to it
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    continue;
                }
                final long waitUntil = System.nanoTime() + 2_000_000L;
                while (System.nanoTime() < waitUntil)
                {
                    in.clear();
                    if (null != channel.receive(in))
                    {
                        final long now = System.nanoTime();
                        in.flip();
                        if (in.remaining() == 4 && in.get(0) == 'P' && in.get(1) == 'O')
                        {
                            return now;
                        }
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
            }
            return -1;
        }
        finally
        {
            channel.configureBlocking(true);
        }
    }

    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // nothing to clean: abstract names vanish with the socket
        }
    }

    static boolean isTimeout(final Throwable t)
    {
        return t instanceof SocketTimeoutException || t.getCause() instanceof SocketTimeoutException;
    }
}
