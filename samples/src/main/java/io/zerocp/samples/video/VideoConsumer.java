package io.zerocp.samples.video;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.typed.FrameConsumer;
import io.zerocp.client.typed.FrameHandler;
import io.zerocp.client.typed.FramePool;
import io.zerocp.samples.SampleArgs;
import io.zerocp.samples.StopSignal;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Reads the newest frame of a {@link FramePool} in place, sums every byte of it (checking the sum), and prints once
 * a second: frames per second, end-to-end latency (from the producer starting to render the frame to this process
 * finishing its checksum), frames dropped (skipped because this consumer was busy) and bad checksums. Options:
 * {@code --id}, {@code --name}, {@code --slots}, {@code --consumers}, {@code --seconds}, {@code --socket}.
 */
public final class VideoConsumer
{
    public static void main(final String[] args)
    {
        final SampleArgs options = new SampleArgs(args);
        final StopSignal stop = new StopSignal();
        final String label = "consumer-" + options.get("id", "1");
        final long deadline = options.deadlineNs();
        try (RegistryClient client = options.client();
            FramePool pool = FramePool.open(client, options.get("name", "video_frames"),
                options.getInt("slots", 4), VideoFrames.FRAME_BYTES, options.getInt("consumers", 2));
            FrameConsumer consumer = pool.consumer())
        {
            System.out.println(label + "  pid " + ProcessHandle.current().pid() + " reading " + pool);
            final Stats stats = new Stats();
            final IdleStrategy idle = new BackoffIdleStrategy(50, 10, 1_000, 500_000);
            long reportAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            long lastReport = System.nanoTime();
            long reportedMissed = 0;
            while (!stop.stop(deadline))
            {
                idle.idle(consumer.poll(stats, 1));
                final long now = System.nanoTime();
                if (now >= reportAt)
                {
                    System.out.println(String.format(Locale.ROOT,
                        "%s  fps %5.1f  latency avg %6.2f ms  max %6.2f ms  dropped %3d  bad %d  (frames %d, " +
                        "dropped %d)", label, stats.frames * 1e9 / (now - lastReport),
                        stats.frames == 0 ? 0 : stats.latencyNs / 1e6 / stats.frames, stats.maxLatencyNs / 1e6,
                        consumer.missedFrames() - reportedMissed, stats.badTotal, consumer.framesRead(),
                        consumer.missedFrames()));
                    reportedMissed = consumer.missedFrames();
                    stats.reset();
                    lastReport = now;
                    reportAt = now + TimeUnit.SECONDS.toNanos(1);
                }
            }
            System.out.println(label + "  done: " + consumer.framesRead() + " frames read, " +
                consumer.missedFrames() + " dropped, " + stats.badTotal + " bad checksums");
        }
        finally
        {
            stop.finished();
        }
    }

    private static final class Stats implements FrameHandler
    {
        long frames;
        long latencyNs;
        long maxLatencyNs;
        long badTotal;

        @Override
        public void onFrame(final DirectBuffer frame, final int length, final long sequence,
            final long timestampNs)
        {
            if (VideoFrames.checksum(frame, length) != VideoFrames.expectedChecksum(sequence))
            {
                badTotal++;
            }
            final long latency = System.nanoTime() - timestampNs;
            frames++;
            latencyNs += latency;
            maxLatencyNs = Math.max(maxLatencyNs, latency);
        }

        void reset()
        {
            frames = 0;
            latencyNs = 0;
            maxLatencyNs = 0;
        }
    }
}
