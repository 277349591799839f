package io.zerocp.samples.audio;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The 10 ms blocks of the audio pipeline: 48 kHz, stereo, 32-bit float, interleaved; a 440 Hz tone on the left and
 * 660 Hz on the right. A block message is its sequence (long), the capture time ({@link System#nanoTime()}, long),
 * then 480 x 2 floats: 3,856 bytes.
 */
public final class AudioBlocks
{
    public static final int SAMPLE_RATE = 48_000;
    public static final int CHANNELS = 2;
    public static final int FRAMES_PER_BLOCK = SAMPLE_RATE / 100;
    public static final long BLOCK_PERIOD_NS = 10_000_000L;
    public static final int SEQUENCE_OFFSET = 0;
    public static final int CAPTURE_OFFSET = 8;
    public static final int SAMPLES_OFFSET = 16;
    public static final int BLOCK_BYTES = SAMPLES_OFFSET + FRAMES_PER_BLOCK * CHANNELS * Float.BYTES;
    public static final int MSG_TYPE = 1;
    private static final int[] FREQUENCIES = {440, 660};

    private AudioBlocks()
    {
    }

    /** @return sample {@code frame} (counted from the start of the stream) of {@code channel}. */
    public static float sample(final long frame, final int channel)
    {
        // Integer frequencies repeat every second: reduce first, so the phase keeps full precision forever.
        final double phase = 2 * Math.PI * FREQUENCIES[channel] * (frame % SAMPLE_RATE) / SAMPLE_RATE;
        return (float)(0.5 * StrictMath.sin(phase));
    }

    /** Writes block {@code sequence} at {@code index}. */
    public static void write(
        final MutableDirectBuffer buffer, final int index, final long sequence, final long captureNs)
    {
        buffer.putLong(index + SEQUENCE_OFFSET, sequence);
        buffer.putLong(index + CAPTURE_OFFSET, captureNs);
        final long first = sequence * FRAMES_PER_BLOCK;
        int offset = index + SAMPLES_OFFSET;
        for (int i = 0; i < FRAMES_PER_BLOCK; i++)
        {
            for (int channel = 0; channel < CHANNELS; channel++)
            {
                buffer.putFloat(offset, sample(first + i, channel));
                offset += Float.BYTES;
            }
        }
    }

    /** @return how many samples of the block at {@code index} differ from the tone. */
    public static int badSamples(final DirectBuffer buffer, final int index)
    {
        final long first = buffer.getLong(index + SEQUENCE_OFFSET) * FRAMES_PER_BLOCK;
        int bad = 0;
        int offset = index + SAMPLES_OFFSET;
        for (int i = 0; i < FRAMES_PER_BLOCK; i++)
        {
            for (int channel = 0; channel < CHANNELS; channel++)
            {
                bad += buffer.getFloat(offset) == sample(first + i, channel) ? 0 : 1;
                offset += Float.BYTES;
            }
        }
        return bad;
    }
}
