package io.zerocp.bench;

import org.HdrHistogram.Histogram;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;

/**
 * One load-generating client process: sends a request, blocks for the reply, and repeats, one request in flight,
 * like the C baseline. Latency of every round trip inside the measurement window goes into a histogram.
 * <p>
 * Protocol with the suite (stdout/stdin): prints {@code READY} after its first answered requests; keeps warming up
 * until it reads {@code GO <startEpochMs> <endEpochMs>}; measures in that window; prints
 * {@code RESULT <count> <errors> <timeouts> <windowNs> <base64 histogram>} and exits.
 * <p>
 * Usage: {@code RoundTripClient <server socket> <bind path | @abstract-name> <request> [register]}; with
 * {@code register} it first takes a lease with its own pid, so each request also finds and renews the session.
 */
public final class RoundTripClient
{
    private static final long HIGHEST_NS = 10_000_000_000L;

    private RoundTripClient()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path server = Paths.get(args[0]);
        final String bind = args[1];
        final byte[] request = args[2].getBytes(StandardCharsets.US_ASCII);
        final boolean register = args.length > 3 && "register".equals(args[3]);

        try (AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open())
        {
            final Path bindPath = bind.startsWith("@") ? null : Paths.get(bind);
            if (null == bindPath)
            {
                channel.bind(AFUNIXSocketAddress.inAbstractNamespace(bind.substring(1)));
            }
            else
            {
                java.nio.file.Files.deleteIfExists(bindPath);
                channel.bind(AFUNIXSocketAddress.of(bindPath));
            }
            channel.connect(AFUNIXSocketAddress.of(server));
            channel.socket().setSoTimeout(2000);
            try
            {
                if (register)
                {
                    final ByteBuffer out = ByteBuffer.allocateDirect(64);
                    out.put(("REGISTER:process_id=" + ProcessHandle.current().pid())
                        .getBytes(StandardCharsets.US_ASCII)).flip();
                    final ByteBuffer in = ByteBuffer.allocateDirect(256);
                    if (roundTrip(channel, out, in) != 0)
                    {
                        System.out.println("FAILED register: " + reply(in));
                        return;
                    }
                }
                run(channel, request);
            }
            finally
            {
                if (null != bindPath)
                {
                    java.nio.file.Files.deleteIfExists(bindPath);
                }
            }
        }
    }

    private static void run(final AFUNIXDatagramChannel channel, final byte[] request) throws Exception
    {
        final ByteBuffer out = ByteBuffer.allocateDirect(request.length);
        out.put(request).flip();
        final ByteBuffer in = ByteBuffer.allocateDirect(2048);
        final Histogram histogram = new Histogram(HIGHEST_NS, 3);

        for (int i = 0; i < 2000; i++)
        {
            if (roundTrip(channel, out, in) != 0)
            {
                System.out.println("FAILED first requests: " + reply(in));
                return;
            }
        }
        System.out.println("READY");
        System.out.flush();

        final long[] window = new long[2];
        final Thread goReader = new Thread(() ->
        {
            try
            {
                final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in,
                    StandardCharsets.US_ASCII));
                final String[] go = stdin.readLine().split(" ");
                final long nowMs = System.currentTimeMillis();
                final long nowNs = System.nanoTime();
                synchronized (window)
                {
                    window[0] = nowNs + (Long.parseLong(go[1]) - nowMs) * 1_000_000L;
                    window[1] = nowNs + (Long.parseLong(go[2]) - nowMs) * 1_000_000L;
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                System.exit(3);
            }
        });
        goReader.setDaemon(true);
        goReader.start();

        long startNs = 0;
        long endNs = 0;
        long count = 0;
        long errors = 0;
        long timeouts = 0;
        while (true)
        {
            final long t0 = System.nanoTime();
            final int outcome = roundTrip(channel, out, in);
            final long t1 = System.nanoTime();
            if (0 == endNs)
            {
                synchronized (window)
                {
                    startNs = window[0];
                    endNs = window[1];
                }
                continue;
            }
            if (t1 >= endNs)
            {
                break;
            }
            if (t0 >= startNs)
            {
                if (outcome == 0)
                {
                    histogram.recordValue(Math.min(t1 - t0, HIGHEST_NS));
                    count++;
                }
                else if (outcome == 1)
                {
                    errors++;
                }
                else
                {
                    timeouts++;
                }
            }
        }

        final ByteBuffer encoded = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(encoded);
        final byte[] bytes = new byte[length];
        encoded.flip();
        encoded.get(bytes);
        System.out.println("RESULT " + count + " " + errors + " " + timeouts + " " + (endNs - startNs) + " " +
            Base64.getEncoder().encodeToString(bytes));
        System.out.flush();
    }

    /** @return 0 for a reply, 1 for an ERROR reply, 2 for a timeout. */
    private static int roundTrip(final AFUNIXDatagramChannel channel, final ByteBuffer out, final ByteBuffer in)
        throws IOException
    {
        out.rewind();
        channel.write(out);
        in.clear();
        try
        {
            channel.read(in);
        }
        catch (final SocketTimeoutException ex)
        {
            return 2;
        }
        return in.position() > 0 && in.get(0) != 'E' ? 0 : 1;
    }

    private static String reply(final ByteBuffer in)
    {
        final ByteBuffer view = in.duplicate().flip();
        final byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
