package io.zerocp.testkit;

import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A bare datagram client for tests: sends bytes exactly as given and returns the reply as text. Bound to a unique
 * abstract name unless a path is given.
 */
public final class RawClient implements AutoCloseable
{
    private final AFUNIXDatagramChannel channel;
    private final AFUNIXSocketAddress daemon;
    private final ByteBuffer receive = ByteBuffer.allocateDirect(128 * 1024);
    private final String name;

    public RawClient(final Path daemonSocket)
    {
        this(daemonSocket, null);
    }

    public RawClient(final Path daemonSocket, final Path bindPath)
    {
        try
        {
            daemon = AFUNIXSocketAddress.of(daemonSocket);
            channel = AFUNIXDatagramChannel.open();
            if (null == bindPath)
            {
                name = "zerocp-raw-" + UUID.randomUUID();
                channel.bind(AFUNIXSocketAddress.inAbstractNamespace(name));
            }
            else
            {
                name = bindPath.toString();
                channel.bind(AFUNIXSocketAddress.of(bindPath));
            }
            channel.socket().setSoTimeout(5000);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the name bound (abstract, without the leading NUL) or the path. */
    public String name()
    {
        return name;
    }

    public AFUNIXDatagramChannel channel()
    {
        return channel;
    }

    public void send(final byte[] request)
    {
        try
        {
            channel.send(ByteBuffer.wrap(request), daemon);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public void send(final String request)
    {
        send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** @return the next reply, or {@code null} after 5 s with none. */
    public String receive()
    {
        try
        {
            receive.clear();
            final Object from = channel.receive(receive);
            if (null == from && receive.position() == 0)
            {
                return null;
            }
            receive.flip();
            final byte[] bytes = new byte[receive.remaining()];
            receive.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
        catch (final java.net.SocketTimeoutException ex)
        {
            return null;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Sends and waits for the reply. */
    public String ask(final String request)
    {
        send(request);
        return receive();
    }

    public String ask(final byte[] request)
    {
        send(request);
        return receive();
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
            // test teardown
        }
    }
}
