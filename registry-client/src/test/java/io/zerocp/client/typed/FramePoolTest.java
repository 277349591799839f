package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.zerocp.client.typed.BroadcastRegionTest.awaitPrinted;
import static io.zerocp.client.typed.MessageRingTest.client;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FramePoolTest
{
    private static final Duration LIVENESS = Duration.ofSeconds(30);
    private static final int SLOT_SIZE = 64 * 1024;
    private static final Pattern RESULT = Pattern.compile(
        "RESULT read=(\\d+) missed=(\\d+) corrupt=(\\d+) inorder=(\\w+) last=(\\d+)");

    @Test
    void consumersThatKeepUpReadEveryFrameInPlace()
    {
        final int frames = 300;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "camera", 4, SLOT_SIZE, 2);
            FrameProducer producer = pool.producer();
            ChildJvm first = consumer(daemon, "camera", 4, 2, frames, 0);
            ChildJvm second = consumer(daemon, "camera", 4, 2, frames, 0))
        {
            awaitPrinted(first, "JOINED");
            awaitPrinted(second, "JOINED");
            assertEquals(2, pool.consumerCount());
            final long deadline = System.nanoTime() + LIVENESS.toNanos();
            for (int i = 0; i < frames; i++)
            {
                while (!producer.consumersCaughtUp() && System.nanoTime() < deadline)
                {
                    Thread.yield(); // this producer wants no drops; the pool itself never waits
                }
                publish(producer);
            }

            for (final ChildJvm consumer : List.of(first, second))
            {
                final long[] result = result(consumer);
                assertEquals(frames, result[0], consumer::output);
                assertEquals(0, result[1], consumer::output);
                assertEquals(0, result[2], consumer::output);
                assertEquals(1, result[3], consumer::output);
            }
        }
    }

    @Test
    void aSlowConsumerSkipsToTheNewestFrameAndCountsWhatItMissed()
    {
        final int frames = 400;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "preview", 4, SLOT_SIZE, 2);
            FrameProducer producer = pool.producer();
            ChildJvm slow = consumer(daemon, "preview", 4, 2, frames, 20);
            ChildJvm keen = consumer(daemon, "preview", 4, 2, frames, 0))
        {
            awaitPrinted(slow, "JOINED");
            awaitPrinted(keen, "JOINED");
            for (int i = 0; i < frames; i++)
            {
                publish(producer); // never waits for anyone
                if (i % 10 == 0)
                {
                    TypedPeer.sleepQuietly(1);
                }
            }

            final long[] lagging = result(slow);
            assertTrue(lagging[1] > 0, slow::output);
            for (final ChildJvm consumer : List.of(slow, keen))
            {
                final long[] result = result(consumer);
                assertEquals(frames, result[0] + result[1], consumer::output);
                assertEquals(0, result[2], "a frame changed while a consumer was reading it: " + consumer.output());
                assertEquals(1, result[3], consumer::output);
                assertEquals(frames, result[4], consumer::output);
            }
        }
    }

    @Test
    void aSlotIsNeverReusedWhileReadAndNotPinnedByAKilledConsumer()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "held", 3, SLOT_SIZE, 1);
            FrameProducer producer = pool.producer();
            ChildJvm holder = ChildJvm.start(TypedPeer.class, "frames-hold", daemon.socket().toString(), "held",
                "3", Integer.toString(SLOT_SIZE), "1"))
        {
            awaitPrinted(holder, "JOINED");
            publish(producer);
            awaitPrinted(holder, "HOLDING");
            final Matcher m = Pattern.compile("HOLDING slot=(\\d+) seq=(\\d+)").matcher(holder.output());
            assertTrue(m.find(), holder::output);
            final int slot = Integer.parseInt(m.group(1));
            final long sequence = Long.parseLong(m.group(2));
            assertEquals(1, sequence);

            for (int i = 0; i < 50; i++)
            {
                publish(producer);
            }
            assertEquals(sequence, pool.slotSequence(slot), "the producer wrote into a slot being read");
            assertThrows(IllegalStateException.class, pool::consumer, "the only consumer entry is taken");
            assertFalse(producer.consumersCaughtUp(), "the holder has not taken the newest frame");

            holder.kill9();

            // A producer waiting for its consumers is not held up for ever by a dead one.
            await().atMost(LIVENESS).until(producer::consumersCaughtUp);

            await().atMost(LIVENESS).until(() ->
            {
                publish(producer);
                return pool.slotSequence(slot) != sequence;
            });
            try (FrameConsumer consumer = pool.consumer())
            {
                final long[] seen = {0};
                assertTrue(consumer.poll((frame, length, seq, ts) ->
                    seen[0] = TypedPeer.frameIntact(frame, length, seq) ? seq : -1));
                assertEquals(producer.sequence(), seen[0]);
            }
        }
    }

    @Test
    void aProducerKilledMidFrameIsReplacedAndItsHalfFrameNeverShown()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "relay", 4, SLOT_SIZE, 2);
            FrameConsumer consumer = pool.consumer())
        {
            try (ChildJvm child = ChildJvm.start(TypedPeer.class, "frames-produce-and-hang",
                daemon.socket().toString(), "relay", "4", Integer.toString(SLOT_SIZE), "2", "5"))
            {
                awaitPrinted(child, "WRITING seq=5");
                assertThrows(IllegalStateException.class, pool::producer, "one live producer at a time");
                final long[] seen = {0};
                assertTrue(consumer.poll((frame, length, seq, ts) ->
                    seen[0] = TypedPeer.frameIntact(frame, length, seq) ? seq : -1));
                assertEquals(5, seen[0]);
                child.kill9();
            }
            assertFalse(consumer.poll((frame, length, seq, ts) -> { }), "the half-written frame is not published");

            try (FrameProducer producer = pool.producer())
            {
                assertEquals(5, producer.sequence());
                for (int i = 0; i < 8; i++)
                {
                    publish(producer);
                    final long[] seen = {0};
                    assertTrue(consumer.poll((frame, length, seq, ts) ->
                        seen[0] = TypedPeer.frameIntact(frame, length, seq) ? seq : -1));
                    assertEquals(6 + i, seen[0]);
                }
            }
            assertEquals(4, consumer.missedFrames(), "frames 1-4 came before its first poll");
        }
    }

    @Test
    void openingWithOtherParametersGivesAClearError()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "frames_v", 4, SLOT_SIZE, 2))
        {
            // Three consumers instead of two: same region size (metadata is page-aligned), caught by the header.
            assertEquals(FramePool.regionLength(4, SLOT_SIZE, 2), FramePool.regionLength(5, SLOT_SIZE, 3) -
                SLOT_SIZE);
            try (ChildJvm other = ChildJvm.start(TypedPeer.class, "frames-open", daemon.socket().toString(),
                "frames_v", "4", Integer.toString(SLOT_SIZE), "1"))
            {
                assertEquals(0, other.waitFor(30, TimeUnit.SECONDS), other::output);
                assertTrue(other.printed("MISMATCH region frames_v holds a FRAME_POOL v2 (slots=4, slotSize=65536, " +
                    "maxConsumers=2); opened as FRAME_POOL v2 (slots=4, slotSize=65536, maxConsumers=1)"),
                    other::output);
            }
            assertThrows(LayoutMismatchException.class, () -> MessageRing.manyToOne(client, "frames_v", 4096));
            assertThrows(IllegalArgumentException.class, () -> FramePool.open(client, "too_few", 3, 64, 2),
                "slots >= maxConsumers + 2");
        }
    }

    private static ChildJvm consumer(
        final EmbeddedDaemon daemon, final String name, final int slots, final int maxConsumers, final int frames,
        final long sleepMs)
    {
        return ChildJvm.start(TypedPeer.class, "frames-consume", daemon.socket().toString(), name,
            Integer.toString(slots), Integer.toString(SLOT_SIZE), Integer.toString(maxConsumers),
            Integer.toString(frames), Long.toString(sleepMs));
    }

    static void publish(final FrameProducer producer)
    {
        final MutableDirectBuffer frame = producer.claim();
        TypedPeer.fillFrame(frame, SLOT_SIZE, producer.sequence() + 1);
        producer.publish(SLOT_SIZE, System.nanoTime());
    }

    /** @return read, missed, corrupt, in order (1/0), last sequence. */
    private static long[] result(final ChildJvm consumer)
    {
        return result(consumer, 30);
    }

    /** @return read, missed, corrupt, in order (1/0), last sequence, once the consumer exited (within {@code seconds}). */
    static long[] result(final ChildJvm consumer, final int seconds)
    {
        assertEquals(0, consumer.waitFor(seconds, TimeUnit.SECONDS), consumer::output);
        final Matcher m = RESULT.matcher(consumer.output());
        assertTrue(m.find(), consumer::output);
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
            "true".equals(m.group(4)) ? 1 : 0, Long.parseLong(m.group(5))};
    }
}
