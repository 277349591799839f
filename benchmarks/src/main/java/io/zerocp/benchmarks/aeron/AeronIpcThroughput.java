package io.zerocp.benchmarks.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * 64-byte messages from one process to another over Aeron IPC, the peer of the one-to-one ring in
 * {@code RingThroughputBenchmark}: the same message, the same sequence check, the same producer back-off when full.
 * <ul>
 *   <li>{@code AeronIpcThroughput <aeron dir> sub}: subscribes, prints {@code READY}, counts messages (each must
 *   carry the next sequence number) until the end message, prints {@code RESULT rate=<msgs/s> count=<n>}, from the
 *   first message to the last poll that returned one.</li>
 *   <li>{@code AeronIpcThroughput <aeron dir> pub <seconds> <term length>}: an exclusive IPC publication; waits
 *   until connected, offers for that long, then the end message; prints {@code DONE sent=<n>}.</li>
 * </ul>
 */
public final class AeronIpcThroughput
{
    private static final int MESSAGE = 64;
    private static final int STREAM = 77;
    private static final long END = -1;

    private AeronIpcThroughput()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(args[0])))
        {
            if ("sub".equals(args[1]))
            {
                subscribe(aeron);
            }
            else
            {
                publish(aeron, Double.parseDouble(args[2]), args[3]);
            }
        }
    }

    private static void subscribe(final Aeron aeron)
    {
        try (Subscription subscription = aeron.addSubscription("aeron:ipc", STREAM))
        {
            System.out.println("READY");
            System.out.flush();
            final long[] state = new long[4]; // expected, first ns, ended, bad
            final FragmentHandler handler = (buffer, offset, length, header) ->
            {
                final long sequence = buffer.getLong(offset);
                if (sequence == END)
                {
                    state[2] = 1;
                    return;
                }
                if (sequence != state[0])
                {
                    throw new IllegalStateException("message " + sequence + " arrived when " + state[0] + " was due");
                }
                if (0 == state[0])
                {
                    state[1] = System.nanoTime();
                }
                state[0]++;
            };
            final long deadline = System.nanoTime() + 120_000_000_000L;
            long last = 0;
            int idle = 0;
            while (state[2] == 0 && System.nanoTime() < deadline)
            {
                if (subscription.poll(handler, 1024) > 0)
                {
                    last = System.nanoTime(); // per batch, as the ring consumer does
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
            final long count = state[0];
            System.out.println("RESULT rate=" + (count < 2 ? 0 : (count - 1) * 1e9 / (last - state[1])) +
                " count=" + count);
        }
    }

    private static void publish(final Aeron aeron, final double seconds, final String termLength)
        throws InterruptedException
    {
        try (ExclusivePublication publication = aeron.addExclusivePublication(
            "aeron:ipc?term-length=" + termLength, STREAM))
        {
            final long connectDeadline = System.nanoTime() + 30_000_000_000L;
            while (!publication.isConnected())
            {
                if (System.nanoTime() > connectDeadline)
                {
                    throw new IllegalStateException("no subscriber connected in 30 s");
                }
                Thread.sleep(1);
            }
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
            final long end = System.nanoTime() + (long)(seconds * 1e9);
            long sequence = 0;
            long full = 0;
            while (true)
            {
                if ((sequence & 1023) == 0 && System.nanoTime() > end)
                {
                    break;
                }
                message.putLong(0, sequence);
                final long result = publication.offer(message, 0, MESSAGE);
                if (result > 0)
                {
                    sequence++;
                }
                else if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
                {
                    throw new IllegalStateException("publication failed: " + result);
                }
                else if ((++full & 127) == 0)
                {
                    Thread.yield(); // as the ring producer: let the consumer drain on a shared core
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            message.putLong(0, END);
            final long endDeadline = System.nanoTime() + 30_000_000_000L;
            while (publication.offer(message, 0, MESSAGE) < 0)
            {
                if (System.nanoTime() > endDeadline)
                {
                    throw new IllegalStateException("cannot send the end message");
                }
                Thread.yield();
            }
            System.out.println("DONE sent=" + sequence + " full=" + full);
            System.out.flush();
        }
    }
}
