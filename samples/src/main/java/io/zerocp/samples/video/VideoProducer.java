package io.zerocp.samples.video;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.typed.FrameProducer;
import io.zerocp.client.typed.FramePool;
import io.zerocp.samples.SampleArgs;
import io.zerocp.samples.StopSignal;
import org.agrona.MutableDirectBuffer;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes synthetic 1080p RGBA frames straight into the slots of a {@link FramePool} at a fixed rate and prints,
 * once a second, the rate achieved and how long rendering a frame took. Options: {@code --fps} (30),
 * {@code --name} ({@code video_frames}), {@code --slots} (4), {@code --consumers} (2), {@code --seconds},
 * {@code --socket}.
 */
public final class VideoProducer
{
    public static void main(final String[] args)
    {
        final SampleArgs options = new SampleArgs(args);
        final StopSignal stop = new StopSignal();
        final double fps = options.getDouble("fps", 30);
        final long periodNs = (long)(1e9 / fps);
        final long deadline = options.deadlineNs();
        try (RegistryClient client = options.client();
            FramePool pool = FramePool.open(client, options.get("name", "video_frames"),
                options.getInt("slots", 4), VideoFrames.FRAME_BYTES, options.getInt("consumers", 2));
            FrameProducer producer = pool.producer())
        {
            System.out.println("producer  pid " + ProcessHandle.current().pid() + " writing " + VideoFrames.WIDTH + "x" +
                VideoFrames.HEIGHT + " RGBA frames at " + fps + " fps into " + pool);
            long next = System.nanoTime();
            long reportAt = next + TimeUnit.SECONDS.toNanos(1);
            long frames = 0;
            long renderNs = 0;
            long reportFrames = 0;
            long lastReport = next;
            while (!stop.stop(deadline))
            {
                final long wait = next - System.nanoTime();
                if (wait > 0)
                {
                    LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(50)));
                    continue;
                }
                final long captureNs = System.nanoTime();
                final MutableDirectBuffer frame = producer.claim();
                VideoFrames.render(frame, producer.sequence() + 1);
                producer.publish(VideoFrames.FRAME_BYTES, captureNs);
                renderNs += System.nanoTime() - captureNs;
                frames++;
                next += periodNs;
                if (System.nanoTime() - next > periodNs)
                {
                    next = System.nanoTime(); // fell behind (the machine is busy): do not burst to catch up
                }
                final long now = System.nanoTime();
                if (now >= reportAt)
                {
                    final long interval = frames - reportFrames;
                    System.out.println(String.format(Locale.ROOT,
                        "producer    fps %5.1f  render avg %5.2f ms  consumers %d  published #%d",
                        interval * 1e9 / (now - lastReport), interval == 0 ? 0 : renderNs / 1e6 / interval,
                        pool.consumerCount(), producer.sequence()));
                    reportFrames = frames;
                    renderNs = 0;
                    lastReport = now;
                    reportAt = now + TimeUnit.SECONDS.toNanos(1);
                }
            }
            System.out.println("producer    done: " + frames + " frames published");
        }
        finally
        {
            stop.finished();
        }
    }
}
