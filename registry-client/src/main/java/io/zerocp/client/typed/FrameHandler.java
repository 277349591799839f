package io.zerocp.client.typed;

import org.agrona.DirectBuffer;

/**
 * Receives a frame in place, in the shared slot: the buffer is valid (and the slot protected from the producer)
 * only until the method returns. Copy what must outlive the call.
 */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * @param frame       the slot; bytes {@code [0, length)} hold the frame.
     * @param length      frame length in bytes.
     * @param sequence    the frame's number (from 1, increasing).
     * @param timestampNs what the producer passed to {@link FrameProducer#publish}, usually {@link System#nanoTime()}
     *                    at capture (comparable across processes on one host).
     */
    void onFrame(DirectBuffer frame, int length, long sequence, long timestampNs);
}
