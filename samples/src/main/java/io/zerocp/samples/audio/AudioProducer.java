package io.zerocp.samples.audio;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.typed.MessageRing;
import io.zerocp.samples.SampleArgs;
import io.zerocp.samples.StopSignal;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Captures (synthesizes) a 10 ms block of 48 kHz stereo float audio every 10 ms and writes it in place into a
 * one-to-one {@link MessageRing} ({@code tryClaim}/{@code commit}: the samples are generated straight into shared
 * memory). When the ring is full the block is dropped and counted as an overrun: a capture device does not wait.
 * Options: {@code --name} ({@code audio_blocks}), {@code --ring-kib} (64), {@code --seconds}, {@code --socket}.
 */
public final class AudioProducer
{
    public static void main(final String[] args)
    {
        final SampleArgs options = new SampleArgs(args);
        final StopSignal stop = new StopSignal();
        final long deadline = options.deadlineNs();
        try (RegistryClient client = options.client();
            MessageRing ring = MessageRing.oneToOne(client, options.get("name", "audio_blocks"),
                options.getInt("ring-kib", 64) * 1024))
        {
            System.out.println("audio-producer  pid " + ProcessHandle.current().pid() + " writing " +
                AudioBlocks.SAMPLE_RATE + " Hz stereo float, 10 ms blocks of " + AudioBlocks.BLOCK_BYTES +
                " bytes, into " + ring);
            long next = System.nanoTime();
            long reportAt = next + TimeUnit.SECONDS.toNanos(1);
            long sequence = 0;
            long written = 0;
            long overruns = 0;
            long reportedWritten = 0;
            long reportedOverruns = 0;
            while (!stop.stop(deadline))
            {
                final long wait = next - System.nanoTime();
                if (wait > 0)
                {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                final long captureNs = System.nanoTime();
                final int index = ring.tryClaim(AudioBlocks.MSG_TYPE, AudioBlocks.BLOCK_BYTES);
                if (index >= 0)
                {
                    AudioBlocks.write(ring.buffer(), index, sequence, captureNs);
                    ring.commit(index);
                    written++;
                }
                else
                {
                    overruns++;
                }
                sequence++;
                next += AudioBlocks.BLOCK_PERIOD_NS; // a fixed grid: late wake-ups catch up, like a device clock
                final long now = System.nanoTime();
                if (now >= reportAt)
                {
                    System.out.println(String.format(Locale.ROOT,
                        "audio-producer  blocks %3d/s  overruns %d  queued %d blocks  (written %d, overruns %d)",
                        written - reportedWritten, overruns - reportedOverruns,
                        ring.size() / (AudioBlocks.BLOCK_BYTES + 8), written, overruns));
                    reportedWritten = written;
                    reportedOverruns = overruns;
                    reportAt += TimeUnit.SECONDS.toNanos(1);
                }
            }
            System.out.println("audio-producer  done: " + written + " blocks written, " + overruns + " overruns");
        }
        finally
        {
            stop.finished();
        }
    }
}
