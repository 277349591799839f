package io.zerocp.samples.video;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The synthetic 1080p RGBA frames of the video pipeline. Every 64-bit word (two pixels) of frame {@code s} holds
 * {@code s * K + i}, so a consumer that sums every word can check the sum against a closed form: a torn frame (the
 * producer writing into a slot being read) or a stale one shows up as a bad checksum.
 */
public final class VideoFrames
{
    public static final int WIDTH = 1920;
    public static final int HEIGHT = 1080;
    public static final int BYTES_PER_PIXEL = 4;
    public static final int FRAME_BYTES = WIDTH * HEIGHT * BYTES_PER_PIXEL; // 8,294,400
    private static final long K = 0x9E3779B97F4A7C15L;

    private VideoFrames()
    {
    }

    /** Writes frame {@code sequence} in place. */
    public static void render(final MutableDirectBuffer frame, final long sequence)
    {
        final long base = sequence * K;
        final int words = FRAME_BYTES / 8;
        for (int i = 0; i < words; i++)
        {
            frame.putLong(i * 8, base + i);
        }
    }

    /** @return the sum of every 64-bit word of the frame: reads every byte. */
    public static long checksum(final DirectBuffer frame, final int length)
    {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        final int end = length & ~31;
        for (int i = 0; i < end; i += 32)
        {
            s0 += frame.getLong(i);
            s1 += frame.getLong(i + 8);
            s2 += frame.getLong(i + 16);
            s3 += frame.getLong(i + 24);
        }
        for (int i = end; i + 8 <= length; i += 8)
        {
            s0 += frame.getLong(i);
        }
        return s0 + s1 + s2 + s3;
    }

    /** @return what {@link #checksum} gives for an intact frame {@code sequence}. */
    public static long expectedChecksum(final long sequence)
    {
        final long words = FRAME_BYTES / 8;
        return words * (sequence * K) + words * (words - 1) / 2;
    }
}
