package io.zerocp.benchmarks.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.typed.FrameConsumer;
import io.zerocp.client.typed.FrameHandler;
import io.zerocp.client.typed.FramePool;
import io.zerocp.client.typed.FrameProducer;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * 1080p RGBA frames (8,294,400 bytes) from one process to another, with a consumer that reads every byte (sums the
 * frame as 64-bit words), two ways in the same run:
 * <ul>
 *   <li><b>frame pool</b>: the producer writes the frame in a {@link FramePool} slot and publishes its number; the
 *   consumer (a child JVM) reads it in place. Like the C reference's {@code frame_handoff shm}, the producer only
 *   stamps the frame (first and last 8 bytes), as if it were produced straight into shared memory;
 *   {@code --producer all} makes it write every byte instead. The producer waits until the consumer has taken the
 *   previous frame (so nothing is dropped and every frame counted was read) and meanwhile writes the next one.</li>
 *   <li><b>socket</b>: the producer writes each frame from its own buffer into a Unix stream socket (JDK
 *   {@code SocketChannel}, {@code UnixDomainSocketAddress}); the consumer reads it into its own buffer, then reads
 *   every byte. Two kernel copies per frame.</li>
 * </ul>
 * Frames/s are measured by the consumer from frame 20 to the last. With {@code --c-dir} (the built shared C
 * baselines) each run also runs {@code frame_handoff shm all} and {@code sock all} between ours, and the "vs C"
 * ratios come from those same-run figures; without it there are none. The last line is
 * {@code RESULT pool=.. socket=.. c_shm=.. c_socket=..} (medians, frames/s). Usage:
 * {@code FrameHandoffBenchmark [--seconds 5] [--runs 3] [--producer stamp|all] [--bounds-checks on|off]
 * [--c-dir DIR | --no-c REASON]}.
 */
public final class FrameHandoffBenchmark
{
    static final int FRAME_BYTES = 1920 * 1080 * 4;
    private static final int WARMUP_FRAMES = 20;
    private static final String POOL = "bench_frames";

    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && args[0].equals("pool-consumer"))
        {
            poolConsumer(args[1]);
            return;
        }
        if (args.length > 0 && args[0].equals("socket-consumer"))
        {
            socketConsumer(Path.of(args[1]));
            return;
        }
        final double seconds = Double.parseDouble(BenchSupport.option(args, "seconds", "5"));
        final int runs = Integer.parseInt(BenchSupport.option(args, "runs", "3"));
        final boolean writeAll = "all".equals(BenchSupport.option(args, "producer", "stamp"));
        final List<String> childFlags = new ArrayList<>();
        if ("off".equals(BenchSupport.option(args, "bounds-checks", "on")))
        {
            childFlags.add("-Dagrona.disable.bounds.checks=true");
        }
        final CReference c = CReference.fromArgs(args);
        System.out.println(BenchSupport.format("frames of %d bytes, consumer reads every byte; producer %s; " +
            "%s s per measurement, %d runs; %d cores; JDK %s; child flags %s; C frame_handoff: %s", FRAME_BYTES,
            writeAll ? "writes every byte" : "stamps 16 bytes", seconds, runs,
            Runtime.getRuntime().availableProcessors(), Runtime.version(), childFlags,
            c.absent() ? c.why() : "same run"));
        final List<Double> pool = new ArrayList<>();
        final List<Double> socket = new ArrayList<>();
        final List<Double> cShm = new ArrayList<>();
        final List<Double> cSocket = new ArrayList<>();
        // The C producer of "shm" stamps each frame like ours does by default; "all": the consumer reads every byte.
        final String cMode = "all";
        try (BenchSupport support = new BenchSupport())
        {
            for (int run = 1; run <= runs; run++)
            {
                final double poolFps = runPool(support, seconds, writeAll, childFlags);
                final double socketFps = runSocket(support, seconds, writeAll, childFlags);
                pool.add(poolFps);
                socket.add(socketFps);
                String cLine = "";
                if (!c.absent())
                {
                    final double shmFps = c.run("frame_handoff", cMode + "_fps", "shm", cMode,
                        Double.toString(seconds));
                    final double sockFps = c.run("frame_handoff", cMode + "_fps", "sock", cMode,
                        Double.toString(seconds));
                    cShm.add(shmFps);
                    cSocket.add(sockFps);
                    cLine = BenchSupport.format("   C shm %7.1f frames/s   C socket %7.1f frames/s", shmFps, sockFps);
                }
                System.out.println(BenchSupport.format("run %d: frame pool %7.1f frames/s   unix socket %7.1f " +
                    "frames/s   pool/socket %.2fx", run, poolFps, socketFps, poolFps / socketFps) + cLine);
            }
        }
        final double poolMedian = BenchSupport.median(pool);
        final double socketMedian = BenchSupport.median(socket);
        final double cShmMedian = c.absent() ? Double.NaN : BenchSupport.median(cShm);
        final double cSocketMedian = c.absent() ? Double.NaN : BenchSupport.median(cSocket);
        System.out.println(BenchSupport.format("median: frame pool %.1f frames/s (%.2f GB/s read), unix socket %.1f " +
            "frames/s, pool/socket %.2fx; pool vs C shm: %s; socket vs C socket: %s", poolMedian,
            poolMedian * FRAME_BYTES / 1e9, socketMedian, poolMedian / socketMedian, c.ratio(poolMedian, cShmMedian),
            c.ratio(socketMedian, cSocketMedian)));
        System.out.println("RESULT pool=" + poolMedian + " socket=" + socketMedian + " c_shm=" + cShmMedian +
            " c_socket=" + cSocketMedian);
    }

    private static double runPool(
        final BenchSupport support, final double seconds, final boolean writeAll, final List<String> childFlags)
        throws InterruptedException
    {
        try (RegistryClient client = support.client();
            FramePool pool = FramePool.open(client, POOL, 4, FRAME_BYTES, 1);
            FrameProducer producer = pool.producer();
            BenchSupport.Child consumer = BenchSupport.start(FrameHandoffBenchmark.class, childFlags,
                "pool-consumer", support.socket().toString()))
        {
            consumer.await("READY", Duration.ofSeconds(30));
            final long end = System.nanoTime() + (long)(seconds * 1e9);
            while (System.nanoTime() < end)
            {
                final MutableDirectBuffer frame = producer.claim();
                final long sequence = producer.sequence() + 1;
                if (writeAll)
                {
                    fill(frame, sequence);
                }
                else
                {
                    stamp(frame, sequence);
                }
                awaitCaughtUp(producer);
                producer.publish(FRAME_BYTES, System.nanoTime());
            }
            awaitCaughtUp(producer);
            producer.claim();
            producer.publish(0, 0); // end of stream
            final String result = consumer.await("RESULT", Duration.ofSeconds(60));
            check(result);
            return BenchSupport.field(result, "fps");
        }
    }

    private static void awaitCaughtUp(final FrameProducer producer)
    {
        int spins = 0;
        while (!producer.consumersCaughtUp())
        {
            if (++spins < 1000)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }
    }

    private static void poolConsumer(final String socket)
    {
        try (RegistryClient client = BenchSupport.client(socket);
            FramePool pool = FramePool.open(client, POOL, 4, FRAME_BYTES, 1);
            FrameConsumer consumer = pool.consumer())
        {
            final Reader reader = new Reader();
            System.out.println("READY");
            int idle = 0;
            while (!reader.ended)
            {
                if (consumer.poll(reader))
                {
                    idle = 0;
                }
                else if (++idle > 1000)
                {
                    Thread.yield();
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            reader.print(consumer.missedFrames());
        }
    }

    /** Reads every byte of each frame and checks its stamp. */
    private static final class Reader implements FrameHandler
    {
        long frames;
        long measuredFrom;
        long lastFrameAt;
        long bad;
        long sink;
        boolean ended;

        @Override
        public void onFrame(final DirectBuffer frame, final int length, final long sequence, final long timestampNs)
        {
            if (0 == length)
            {
                ended = true;
                return;
            }
            sink += sum(frame, length);
            bad += intact(frame, sequence) ? 0 : 1;
            frames++;
            lastFrameAt = System.nanoTime();
            if (frames == WARMUP_FRAMES)
            {
                measuredFrom = lastFrameAt;
            }
        }

        void print(final long missed)
        {
            final double fps = (frames - WARMUP_FRAMES) * 1e9 / Math.max(1, lastFrameAt - measuredFrom);
            System.out.println(BenchSupport.format("RESULT fps=%.1f frames=%d bad=%d missed=%d sink=%d", fps, frames,
                bad, missed, sink & 0xF));
        }
    }

    private static double runSocket(
        final BenchSupport support, final double seconds, final boolean writeAll, final List<String> childFlags)
        throws IOException, InterruptedException
    {
        final Path path = support.socketDir().resolve("frames.sock");
        Files.deleteIfExists(path);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            server.bind(UnixDomainSocketAddress.of(path));
            try (BenchSupport.Child consumer = BenchSupport.start(FrameHandoffBenchmark.class, childFlags,
                "socket-consumer", path.toString());
                SocketChannel channel = server.accept())
            {
                final ByteBuffer frameBuffer = ByteBuffer.allocateDirect(FRAME_BYTES);
                final UnsafeBuffer frame = new UnsafeBuffer(frameBuffer);
                final long end = System.nanoTime() + (long)(seconds * 1e9);
                long sequence = 0;
                while (System.nanoTime() < end)
                {
                    sequence++;
                    if (writeAll)
                    {
                        fill(frame, sequence);
                    }
                    else
                    {
                        stamp(frame, sequence);
                    }
                    frameBuffer.clear();
                    while (frameBuffer.hasRemaining())
                    {
                        channel.write(frameBuffer);
                    }
                }
                channel.shutdownOutput();
                final String result = consumer.await("RESULT", Duration.ofSeconds(60));
                check(result);
                return BenchSupport.field(result, "fps");
            }
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }

    private static void socketConsumer(final Path path) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path)))
        {
            final ByteBuffer frameBuffer = ByteBuffer.allocateDirect(FRAME_BYTES);
            final UnsafeBuffer frame = new UnsafeBuffer(frameBuffer);
            final Reader reader = new Reader();
            long sequence = 0;
            while (true)
            {
                frameBuffer.clear();
                while (frameBuffer.hasRemaining())
                {
                    if (channel.read(frameBuffer) < 0)
                    {
                        reader.print(0);
                        return;
                    }
                }
                reader.onFrame(frame, FRAME_BYTES, ++sequence, 0);
            }
        }
    }

    private static void check(final String result)
    {
        if (BenchSupport.field(result, "bad") != 0 || BenchSupport.field(result, "missed") != 0)
        {
            throw new IllegalStateException("frames were torn or dropped: " + result);
        }
    }

    static void stamp(final MutableDirectBuffer frame, final long sequence)
    {
        frame.putLong(0, sequence);
        frame.putLong(FRAME_BYTES - 8, sequence);
    }

    static void fill(final MutableDirectBuffer frame, final long sequence)
    {
        for (int i = 0; i < FRAME_BYTES; i += 8)
        {
            frame.putLong(i, sequence + i);
        }
        stamp(frame, sequence);
    }

    static boolean intact(final DirectBuffer frame, final long sequence)
    {
        return frame.getLong(0) == sequence && frame.getLong(FRAME_BYTES - 8) == sequence;
    }

    static long sum(final DirectBuffer frame, final int length)
    {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        for (int i = 0; i + 32 <= length; i += 32)
        {
            s0 += frame.getLong(i);
            s1 += frame.getLong(i + 8);
            s2 += frame.getLong(i + 16);
            s3 += frame.getLong(i + 24);
        }
        return s0 + s1 + s2 + s3;
    }
}
