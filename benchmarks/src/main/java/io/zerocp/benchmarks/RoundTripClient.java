package io.zerocp.benchmarks;

import org.HdrHistogram.Histogram;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One load-generating client process: sends a request, blocks for the reply, and repeats, one request in flight,
 * like the C baseline. With several servers it takes turns in time slices (the same wall-clock slices in every
 * client process), so the servers are measured side by side under the same background noise: on a shared machine
 * the noise changes within seconds, and comparing runs made one after the other measures the noise.
 * <p>
 * Protocol with the suite (stdout/stdin): prints {@code READY} after its first answered requests to every server;
 * keeps warming up until it reads {@code GO <startEpochMs> <endEpochMs>}; measures in that window; prints one
 * {@code RESULT <server index> <count> <errors> <timeouts> <measured ns> <base64 histogram>} per server and exits.
 * <p>
 * Usage: {@code RoundTripClient <request> <register|-> <slice ms> (<bind path | @abstract-name> <server socket>)+};
 * with {@code register} it first takes a lease with its own pid at each server, so each request also finds and
 * renews the session.
 */
public final class RoundTripClient
{
    private static final long HIGHEST_NS = 10_000_000_000L;

    private RoundTripClient()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final byte[] request = args[0].getBytes(StandardCharsets.US_ASCII);
        final boolean register = "register".equals(args[1]);
        final long sliceNs = Long.parseLong(args[2]) * 1_000_000L;
        final List<AFUNIXDatagramChannel> channels = new ArrayList<>();
        final List<Path> boundPaths = new ArrayList<>();
        try
        {
            for (int i = 3; i + 1 < args.length; i += 2)
            {
                final AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open();
                channels.add(channel);
                final String bind = args[i];
                if (bind.startsWith("@"))
                {
                    channel.bind(AFUNIXSocketAddress.inAbstractNamespace(bind.substring(1)));
                }
                else
                {
                    final Path path = Paths.get(bind);
                    Files.deleteIfExists(path);
                    channel.bind(AFUNIXSocketAddress.of(path));
                    boundPaths.add(path);
                }
                channel.connect(AFUNIXSocketAddress.of(Paths.get(args[i + 1])));
                channel.socket().setSoTimeout(2000);
            }
            run(channels.toArray(new AFUNIXDatagramChannel[0]), request, register, sliceNs);
        }
        finally
        {
            for (final AFUNIXDatagramChannel c : channels)
            {
                c.close();
            }
            for (final Path p : boundPaths)
            {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void run(final AFUNIXDatagramChannel[] channels, final byte[] request, final boolean register,
        final long sliceNs) throws Exception
    {
        final int servers = channels.length;
        final ByteBuffer out = ByteBuffer.allocateDirect(request.length);
        out.put(request).flip();
        final ByteBuffer in = ByteBuffer.allocateDirect(2048);
        final Histogram[] histograms = new Histogram[servers];
        final long[] counts = new long[servers];
        final long[] errors = new long[servers];
        final long[] timeouts = new long[servers];

        for (int s = 0; s < servers; s++)
        {
            histograms[s] = new Histogram(HIGHEST_NS, 3);
            if (register)
            {
                final ByteBuffer registration = ByteBuffer.allocateDirect(64);
                registration.put(("REGISTER:process_id=" + ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.US_ASCII)).flip();
                if (roundTrip(channels[s], registration, in) != 0)
                {
                    System.out.println("FAILED register: " + reply(in));
                    return;
                }
            }
            for (int i = 0; i < 2000; i++)
            {
                if (roundTrip(channels[s], out, in) != 0)
                {
                    System.out.println("FAILED first requests: " + reply(in));
                    return;
                }
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
        final long origin = System.nanoTime();
        while (true)
        {
            final long t0 = System.nanoTime();
            // Before GO the slices count from this process's start; after, from the common start time.
            final long sliceBase = 0 == endNs ? origin : startNs;
            final int s = (int)(Math.floorMod((t0 - sliceBase) / sliceNs, (long)servers));
            final int outcome = roundTrip(channels[s], out, in);
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
                    histograms[s].recordValue(Math.min(t1 - t0, HIGHEST_NS));
                    counts[s]++;
                }
                else if (outcome == 1)
                {
                    errors[s]++;
                }
                else
                {
                    timeouts[s]++;
                }
            }
        }

        for (int s = 0; s < servers; s++)
        {
            final ByteBuffer encoded = ByteBuffer.allocate(histograms[s].getNeededByteBufferCapacity());
            final int length = histograms[s].encodeIntoCompressedByteBuffer(encoded);
            final byte[] bytes = new byte[length];
            encoded.flip();
            encoded.get(bytes);
            // each server had 1/servers of the window (the suite makes the window a whole number of rounds)
            System.out.println("RESULT " + s + " " + counts[s] + " " + errors[s] + " " + timeouts[s] + " " +
                (endNs - startNs) / servers + " " + Base64.getEncoder().encodeToString(bytes));
        }
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
