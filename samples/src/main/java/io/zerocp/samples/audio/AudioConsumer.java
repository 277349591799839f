package io.zerocp.samples.audio;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.typed.MessageRing;
import io.zerocp.client.typed.RingConsumer;
import io.zerocp.samples.SampleArgs;
import io.zerocp.samples.StopSignal;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Plays (consumes) the audio blocks of an {@link AudioProducer} on its own 10 ms device clock: it waits until
 * {@code --buffer-blocks} (3) blocks are queued, then takes one block per tick. A tick with no block is an
 * under-run (a real device would play silence). Prints once a second: blocks played, under-runs, latency (from
 * capture to playback: mostly the jitter buffer, by design), blocks queued, gaps in the sequence and bad samples.
 * Options: {@code --name}, {@code --ring-kib}, {@code --buffer-blocks}, {@code --seconds}, {@code --socket}.
 */
public final class AudioConsumer
{
    public static void main(final String[] args)
    {
        final SampleArgs options = new SampleArgs(args);
        final StopSignal stop = new StopSignal();
        final long deadline = options.deadlineNs();
        final int prefill = options.getInt("buffer-blocks", 3);
        try (RegistryClient client = options.client();
            MessageRing ring = MessageRing.oneToOne(client, options.get("name", "audio_blocks"),
                options.getInt("ring-kib", 64) * 1024);
            RingConsumer consumer = ring.consumer())
        {
            System.out.println("audio-consumer  pid " + ProcessHandle.current().pid() + " playing from " + ring +
                " with a " + prefill * 10 + " ms buffer");
            final int recordBytes = AudioBlocks.BLOCK_BYTES + 8;
            while (ring.size() < prefill * recordBytes && !stop.stop(deadline))
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            final Player player = new Player();
            long next = System.nanoTime();
            long reportAt = next + TimeUnit.SECONDS.toNanos(1);
            long reportedUnderruns = 0;
            while (!stop.stop(deadline))
            {
                final long wait = next - System.nanoTime();
                if (wait > 0)
                {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                if (0 == consumer.poll(player, 1))
                {
                    player.underruns++;
                }
                next += AudioBlocks.BLOCK_PERIOD_NS;
                final long now = System.nanoTime();
                if (now >= reportAt)
                {
                    System.out.println(String.format(Locale.ROOT,
                        "audio-consumer  played %3d/s  under-runs %d  latency avg %5.1f ms  max %5.1f ms  " +
                        "queued %d  gaps %d  bad samples %d  (played %d, under-runs %d)",
                        player.played, player.underruns - reportedUnderruns,
                        player.played == 0 ? 0 : player.latencyNs / 1e6 / player.played, player.maxLatencyNs / 1e6,
                        ring.size() / recordBytes, player.gaps, player.badSamples, player.playedTotal,
                        player.underruns));
                    reportedUnderruns = player.underruns;
                    player.reset();
                    reportAt += TimeUnit.SECONDS.toNanos(1);
                }
            }
            System.out.println("audio-consumer  done: " + player.playedTotal + " blocks played, " + player.underruns +
                " under-runs, " + player.gaps + " blocks missing");
        }
        finally
        {
            stop.finished();
        }
    }

    private static final class Player implements MessageHandler
    {
        long expected = -1;
        long played;
        long playedTotal;
        long underruns;
        long gaps;
        long badSamples;
        long latencyNs;
        long maxLatencyNs;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long sequence = buffer.getLong(index + AudioBlocks.SEQUENCE_OFFSET);
            if (expected >= 0 && sequence > expected)
            {
                gaps += sequence - expected; // the producer dropped blocks (ring full) or restarted
            }
            expected = sequence + 1;
            badSamples += AudioBlocks.badSamples(buffer, index);
            final long latency = System.nanoTime() - buffer.getLong(index + AudioBlocks.CAPTURE_OFFSET);
            latencyNs += latency;
            maxLatencyNs = Math.max(maxLatencyNs, latency);
            played++;
            playedTotal++;
        }

        void reset()
        {
            played = 0;
            latencyNs = 0;
            maxLatencyNs = 0;
        }
    }
}
