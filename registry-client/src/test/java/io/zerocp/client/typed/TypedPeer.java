package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Child-JVM main for the typed-region tests: {@code <command> <socket> <region> <args...>}. Prints what it did on
 * stdout for the test to assert on; exits 0 when done, never on its own for the "hang" commands.
 */
public final class TypedPeer
{
    static final int MESSAGE_LENGTH = 64;
    static final int DATA_TYPE = 1;
    static final int DEAD_TYPE = 7;

    public static void main(final String[] args) throws Exception
    {
        final String command = args[0];
        try (RegistryClient client = RegistryClient.builder()
            .socketPath(Paths.get(args[1]))
            .timeout(Duration.ofSeconds(10))
            .build())
        {
            final String name = args[2];
            switch (command)
            {
                case "ring-produce":
                    ringProduce(client, name, Integer.parseInt(args[3]), args[4], Integer.parseInt(args[5]),
                        Integer.parseInt(args[6]));
                    break;
                case "ring-claim-and-hang":
                    ringClaimAndHang(client, name, Integer.parseInt(args[3]), args[4]);
                    break;
                case "ring-open":
                    try (MessageRing ring = openRing(client, name, Integer.parseInt(args[3]), args[4]))
                    {
                        System.out.println("OPENED " + ring);
                    }
                    catch (final LayoutMismatchException ex)
                    {
                        System.out.println("MISMATCH " + ex.getMessage());
                    }
                    break;
                case "broadcast-receive":
                    broadcastReceive(client, name, Integer.parseInt(args[3]), Long.parseLong(args[4]),
                        Long.parseLong(args[5]));
                    break;
                case "broadcast-transmit-and-hang":
                    broadcastTransmitAndHang(client, name, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                    break;
                case "frames-consume":
                    framesConsume(client, name, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]), Long.parseLong(args[6]), Long.parseLong(args[7]));
                    break;
                case "frames-hold":
                    framesHold(client, name, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]));
                    break;
                case "frames-produce-and-hang":
                    framesProduceAndHang(client, name, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]), Integer.parseInt(args[6]));
                    break;
                case "ring-consume-and-hang":
                    ringConsumeAndHang(client, name, Integer.parseInt(args[3]), args[4]);
                    break;
                case "frames-try-produce":
                    framesTryProduce(client, name, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]));
                    break;
                case "frames-count":
                    try (FramePool pool = FramePool.open(client, name, Integer.parseInt(args[3]),
                        Integer.parseInt(args[4]), Integer.parseInt(args[5])))
                    {
                        System.out.println("CONSUMERS " + pool.consumerCount());
                    }
                    break;
                case "frames-open":
                    try (FramePool pool = FramePool.open(client, name, Integer.parseInt(args[3]),
                        Integer.parseInt(args[4]), Integer.parseInt(args[5])))
                    {
                        System.out.println("OPENED " + pool);
                    }
                    catch (final LayoutMismatchException ex)
                    {
                        System.out.println("MISMATCH " + ex.getMessage());
                    }
                    break;
                default:
                    System.out.println("unknown command " + command);
                    System.exit(2);
            }
        }
        System.out.flush();
    }

    static MessageRing openRing(final RegistryClient client, final String name, final int capacity, final String kind)
    {
        return "o2o".equals(kind) ? MessageRing.oneToOne(client, name, capacity) :
            MessageRing.manyToOne(client, name, capacity);
    }

    /** Message: producer id (int at 0), sequence (long at 8), filler derived from both. */
    static void encode(final MutableDirectBuffer buffer, final int index, final int producer, final long sequence)
    {
        buffer.putInt(index, producer);
        buffer.putLong(index + 8, sequence);
        for (int i = 16; i < MESSAGE_LENGTH; i += 8)
        {
            buffer.putLong(index + i, sequence * 31 + producer + i);
        }
    }

    static boolean intact(final DirectBuffer buffer, final int index, final int length)
    {
        if (length != MESSAGE_LENGTH)
        {
            return false;
        }
        final int producer = buffer.getInt(index);
        final long sequence = buffer.getLong(index + 8);
        for (int i = 16; i < MESSAGE_LENGTH; i += 8)
        {
            if (buffer.getLong(index + i) != sequence * 31 + producer + i)
            {
                return false;
            }
        }
        return true;
    }

    private static void ringProduce(
        final RegistryClient client, final String name, final int capacity, final String kind, final int producer,
        final int count)
    {
        try (MessageRing ring = openRing(client, name, capacity, kind))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[MESSAGE_LENGTH]);
            System.out.println("PRODUCING");
            long fullSpins = 0;
            for (long sequence = 0; sequence < count; sequence++)
            {
                encode(message, 0, producer, sequence);
                while (!ring.write(DATA_TYPE, message, 0, MESSAGE_LENGTH))
                {
                    fullSpins++;
                    Thread.yield();
                }
            }
            System.out.println("DONE " + count + " full=" + fullSpins);
        }
    }

    private static void ringClaimAndHang(
        final RegistryClient client, final String name, final int capacity, final String kind)
        throws InterruptedException
    {
        final MessageRing ring = openRing(client, name, capacity, kind);
        final int index = ring.tryClaim(DEAD_TYPE, MESSAGE_LENGTH);
        ring.buffer().putLong(index, 0xDEADL); // half a message, never committed
        System.out.println("CLAIMED " + index);
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void ringConsumeAndHang(
        final RegistryClient client, final String name, final int capacity, final String kind)
    {
        final MessageRing ring = openRing(client, name, capacity, kind);
        try
        {
            ring.consumer();
            System.out.println("CONSUMING");
        }
        catch (final IllegalStateException ex)
        {
            System.out.println("REFUSED " + ex.getMessage());
            return;
        }
        System.out.flush();
        sleepQuietly(Long.MAX_VALUE);
    }

    /** Tries to take the producer role: prints PRODUCING and keeps it, or REFUSED and exits. */
    private static void framesTryProduce(
        final RegistryClient client, final String name, final int slots, final int slotSize, final int maxConsumers)
    {
        final FramePool pool = FramePool.open(client, name, slots, slotSize, maxConsumers);
        try
        {
            final FrameProducer producer = pool.producer();
            System.out.println("PRODUCING");
            System.out.flush();
            // Keeps publishing, as a second producer that believed it had the role would.
            while (true)
            {
                final MutableDirectBuffer frame = producer.claim();
                fillFrame(frame, slotSize, producer.sequence() + 1);
                producer.publish(slotSize, System.nanoTime());
                sleepQuietly(5);
            }
        }
        catch (final IllegalStateException ex)
        {
            System.out.println("REFUSED " + ex.getMessage());
        }
        pool.close();
    }

    private static void broadcastReceive(
        final RegistryClient client, final String name, final int capacity, final long count, final long delayMs)
        throws InterruptedException
    {
        try (BroadcastRegion region = BroadcastRegion.open(client, name, capacity))
        {
            final BroadcastSubscriber subscriber = region.subscriber();
            System.out.println("SUBSCRIBED");
            Thread.sleep(delayMs);
            final long[] last = {-1};
            final boolean[] inOrder = {true};
            final long[] corrupt = {0};
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (subscriber.lastSequence() < count && System.nanoTime() < deadline)
            {
                if (0 == subscriber.poll((type, buffer, index, length) ->
                {
                    if (!intact(buffer, index, length))
                    {
                        corrupt[0]++;
                        return;
                    }
                    final long sequence = buffer.getLong(index + 8);
                    inOrder[0] &= sequence > last[0];
                    last[0] = sequence;
                }))
                {
                    Thread.onSpinWait();
                }
            }
            System.out.println("RESULT received=" + subscriber.receivedMessages() + " lost=" +
                subscriber.lostMessages() + " lapped=" + subscriber.lappedCount() + " inorder=" + inOrder[0] +
                " corrupt=" + corrupt[0] + " last=" + subscriber.lastSequence());
        }
    }

    private static void broadcastTransmitAndHang(
        final RegistryClient client, final String name, final int capacity, final int count)
        throws InterruptedException
    {
        final BroadcastRegion region = BroadcastRegion.open(client, name, capacity);
        final BroadcastPublisher publisher = region.publisher();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[MESSAGE_LENGTH]);
        for (int i = 0; i < count; i++)
        {
            encode(message, 0, 0, i);
            publisher.transmit(DATA_TYPE, message, 0, MESSAGE_LENGTH);
        }
        System.out.println("SENT " + count);
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Frame content: long i of frame s holds s * 1_000_003 + i, so a torn or stale frame shows. */
    static void fillFrame(final MutableDirectBuffer frame, final int length, final long sequence)
    {
        for (int i = 0; i < length / 8; i++)
        {
            frame.putLong(i * 8, sequence * 1_000_003L + i);
        }
    }

    static boolean frameIntact(final DirectBuffer frame, final int length, final long sequence)
    {
        boolean intact = true;
        for (int i = 0; i < length / 8; i++)
        {
            intact &= frame.getLong(i * 8) == sequence * 1_000_003L + i;
        }
        return intact;
    }

    private static void framesConsume(
        final RegistryClient client, final String name, final int slots, final int slotSize, final int maxConsumers,
        final long frames, final long sleepPerFrameMs)
    {
        try (FramePool pool = FramePool.open(client, name, slots, slotSize, maxConsumers);
            FrameConsumer consumer = pool.consumer())
        {
            System.out.println("JOINED " + consumer.entryIndex());
            final long[] corrupt = {0};
            final long[] last = {0};
            final boolean[] inOrder = {true};
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.lastSequence() < frames && System.nanoTime() < deadline)
            {
                final boolean read = consumer.poll((frame, length, sequence, timestampNs) ->
                {
                    if (!frameIntact(frame, length, sequence))
                    {
                        corrupt[0]++;
                    }
                    inOrder[0] &= sequence > last[0];
                    last[0] = sequence;
                    if (sleepPerFrameMs > 0)
                    {
                        sleepQuietly(sleepPerFrameMs);
                        // Still ours after the nap: the producer must not have touched the slot.
                        if (!frameIntact(frame, length, sequence))
                        {
                            corrupt[0]++;
                        }
                    }
                });
                if (!read)
                {
                    Thread.yield();
                }
            }
            System.out.println("RESULT read=" + consumer.framesRead() + " missed=" + consumer.missedFrames() +
                " corrupt=" + corrupt[0] + " inorder=" + inOrder[0] + " last=" + consumer.lastSequence());
        }
    }

    private static void framesHold(
        final RegistryClient client, final String name, final int slots, final int slotSize, final int maxConsumers)
    {
        final FramePool pool = FramePool.open(client, name, slots, slotSize, maxConsumers);
        final FrameConsumer consumer = pool.consumer();
        System.out.println("JOINED " + consumer.entryIndex());
        while (true)
        {
            consumer.poll((frame, length, sequence, timestampNs) ->
            {
                int slot = -1;
                for (int i = 0; i < pool.slots(); i++)
                {
                    slot = pool.slotSequence(i) == sequence ? i : slot;
                }
                System.out.println("HOLDING slot=" + slot + " seq=" + sequence);
                sleepQuietly(Long.MAX_VALUE);
            });
            Thread.yield();
        }
    }

    private static void framesProduceAndHang(
        final RegistryClient client, final String name, final int slots, final int slotSize, final int maxConsumers,
        final int frames)
    {
        final FramePool pool = FramePool.open(client, name, slots, slotSize, maxConsumers);
        final FrameProducer producer = pool.producer();
        for (int i = 0; i < frames; i++)
        {
            final MutableDirectBuffer frame = producer.claim();
            fillFrame(frame, slotSize, producer.sequence() + 1);
            producer.publish(slotSize, System.nanoTime());
        }
        final MutableDirectBuffer frame = producer.claim();
        frame.setMemory(0, slotSize / 2, (byte)0x55); // half a frame, never published
        System.out.println("WRITING seq=" + producer.sequence());
        sleepQuietly(Long.MAX_VALUE);
    }

    static void sleepQuietly(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
