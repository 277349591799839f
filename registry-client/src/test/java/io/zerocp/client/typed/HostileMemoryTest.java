package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.SharedRegion;
import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.zerocp.client.typed.HostileWriter.i;
import static io.zerocp.client.typed.HostileWriter.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared memory is input: a python3 process with write access to the region writes what the structures cannot
 * have written. Every call returns within its bound (checked preemptively with a generous 20 s), reports the
 * corruption once as a {@link CorruptRegionException} naming the region, and the structure then works on with the
 * real writer. Each case was measured hanging, spinning, stopping silently or crashing before.
 */
class HostileMemoryTest
{
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final int CAPACITY = 1024;

    private static RegistryClient client(final EmbeddedDaemon daemon)
    {
        return RegistryClient.builder().socketPath(daemon.socket()).timeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void aForgedBroadcastTailOverSkippableRecordsDoesNotSpinAndTheReceiverCarriesOn()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            BroadcastRegion region = BroadcastRegion.open(client, "bc_tail", CAPACITY);
            BroadcastPublisher publisher = region.publisher())
        {
            final BroadcastSubscriber subscriber = region.subscriber();
            final Path file = daemon.regionFile("bc_tail");
            final List<String> ops = new ArrayList<>();
            for (int offset = 0; offset < CAPACITY; offset += 16) // records of length 16 carrying sequence 0
            {
                ops.add(i(256 + offset, 16));
                ops.add(i(256 + offset + 4, 1));
                ops.add(q(256 + offset + 8, 0));
            }
            ops.add(q(256 + CAPACITY + BroadcastBufferDescriptor.TAIL_COUNTER_OFFSET, 1L << 60));
            HostileWriter.write(file, ops.toArray(new String[0]));

            final CorruptRegionException ex = assertTimeoutPreemptively(BOUND, () ->
                assertThrows(CorruptRegionException.class, () -> subscriber.poll((t, b, ix, l) -> { }, 100)));
            assertTrue(ex.getMessage().startsWith("region bc_tail is corrupt"), ex.getMessage());

            // The transmitter's next messages put the trailer right; the receiver skips to them (it cannot know
            // where it stood), counting what it skipped.
            final UnsafeBuffer message = new UnsafeBuffer(new byte[16]);
            final List<Long> seen = new ArrayList<>();
            for (int n = 0; n < 3; n++)
            {
                publisher.transmit(1, message, 0, 16);
            }
            assertTimeoutPreemptively(BOUND, () ->
            {
                for (int attempt = 0; attempt < 10 && seen.size() < 3; attempt++)
                {
                    try
                    {
                        subscriber.poll((t, b, ix, l) -> seen.add(subscriber.lastSequence()), 100);
                    }
                    catch (final CorruptRegionException again)
                    {
                        // the trailer was still being put right
                    }
                }
            });
            assertFalse(seen.isEmpty(), "the receiver carries on");
            assertEquals(3L, seen.get(seen.size() - 1));
            assertEquals(3, seen.size() + subscriber.lostMessages(), "received " + seen + ", lost " +
                subscriber.lostMessages());
        }
    }

    @Test
    void aBroadcastMessageWithAForgedSequenceIsReportedNotCountedAsMillionsLost()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            BroadcastRegion region = BroadcastRegion.open(client, "bc_seq", CAPACITY);
            BroadcastPublisher publisher = region.publisher())
        {
            final BroadcastSubscriber subscriber = region.subscriber();
            final UnsafeBuffer message = new UnsafeBuffer(new byte[16]);
            publisher.transmit(1, message, 0, 16);
            // The message just sent now claims sequence 2^40.
            HostileWriter.write(daemon.regionFile("bc_seq"), q(256 + 8, 1L << 40));
            assertThrows(CorruptRegionException.class, () -> subscriber.poll((t, b, ix, l) -> { }));
            publisher.transmit(1, message, 0, 16);
            assertEquals(1, subscriber.poll((t, b, ix, l) -> { }));
            assertTrue(subscriber.lostMessages() < 10, "lost " + subscriber.lostMessages());
        }
    }

    @Test
    void aPublishedWordNamingASlotWithAnotherFrameIsReportedNotSpunOn()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "fp_word", 4, 4096, 1);
            FrameConsumer consumer = pool.consumer())
        {
            HostileWriter.write(daemon.regionFile("fp_word"),
                q(pool.descriptorOffset(1) + FramePool.DESCRIPTOR_SEQUENCE, 3),
                q(FramePool.PUBLISHED_OFFSET, (5L << FramePool.SLOT_BITS) | 1));
            final CorruptRegionException ex = assertTimeoutPreemptively(BOUND, () ->
                assertThrows(CorruptRegionException.class, () -> consumer.poll((f, l, s, t) -> { })));
            assertTrue(ex.getMessage().contains("names slot 1 for frame 5 but that slot holds frame 3"),
                ex.getMessage());
        }
    }

    @Test
    void aForgedNewestFrameCostsOneExceptionNotTheStream()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "fp_forged", 4, 4096, 1);
            FrameProducer producer = pool.producer();
            FrameConsumer consumer = pool.consumer())
        {
            producer.claim();
            producer.publish(8, 1);
            assertTrue(consumer.poll((f, l, s, t) -> { }));
            final long forged = 1L << 40;
            HostileWriter.write(daemon.regionFile("fp_forged"),
                q(pool.descriptorOffset(3) + FramePool.DESCRIPTOR_FRAME_LENGTH, 8),
                q(pool.descriptorOffset(3) + FramePool.DESCRIPTOR_SEQUENCE, forged),
                q(FramePool.PUBLISHED_OFFSET, (forged << FramePool.SLOT_BITS) | 3));
            assertTrue(consumer.poll((f, l, s, t) -> { })); // indistinguishable from a real frame, so far
            producer.claim();
            producer.publish(8, 2);
            assertThrows(CorruptRegionException.class, () -> consumer.poll((f, l, s, t) -> { }));
            final List<Long> sequences = new ArrayList<>();
            assertTrue(consumer.poll((f, l, s, t) -> sequences.add(s)));
            producer.claim();
            producer.publish(8, 3);
            assertTrue(consumer.poll((f, l, s, t) -> sequences.add(s)));
            assertEquals(List.of(2L, 3L), sequences);
            assertEquals(0, consumer.missedFrames(), "the forged jump is not counted as missed frames");
        }
    }

    @Test
    void aFrameLengthBeyondTheSlotOrASlotBeyondThePoolIsReported()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "fp_len", 4, 4096, 1);
            FrameProducer producer = pool.producer();
            FrameConsumer consumer = pool.consumer())
        {
            producer.claim();
            producer.publish(100, 1);
            final int slot = (int)(pool.buffer().getLongVolatile(FramePool.PUBLISHED_OFFSET) & FramePool.SLOT_MASK);
            HostileWriter.write(daemon.regionFile("fp_len"),
                q(pool.descriptorOffset(slot) + FramePool.DESCRIPTOR_FRAME_LENGTH, 0x7fffffff));
            final boolean[] handed = {false};
            final CorruptRegionException length = assertThrows(CorruptRegionException.class,
                () -> consumer.poll((f, l, s, t) -> handed[0] = true));
            assertTrue(length.getMessage().contains("claims 2147483647 bytes; slots hold 4096"), length.getMessage());
            assertFalse(handed[0], "the handler never saw the forged length");

            HostileWriter.write(daemon.regionFile("fp_len"),
                q(FramePool.PUBLISHED_OFFSET, (7L << FramePool.SLOT_BITS) | 100));
            final CorruptRegionException slotEx = assertThrows(CorruptRegionException.class,
                () -> consumer.poll((f, l, s, t) -> handed[0] = true));
            assertTrue(slotEx.getMessage().contains("names slot 100 of 4"), slotEx.getMessage());

            producer.claim();
            producer.publish(100, 2);
            assertTrue(consumer.poll((f, l, s, t) -> assertEquals(100, l)), "the consumer carries on");
        }
    }

    @Test
    void aForgedRingRecordIsSkippedOnceInsteadOfWedgingTheConsumer()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.manyToOne(client, "ring_forged", CAPACITY);
            RingConsumer consumer = ring.consumer(Duration.ofMillis(100)))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[24]);
            assertTrue(ring.write(1, message, 0, 24));
            HostileWriter.write(daemon.regionFile("ring_forged"), i(128, 0x7ffffff0));
            final CorruptRegionException ex = assertTimeoutPreemptively(BOUND, () ->
                assertThrows(CorruptRegionException.class, () -> consumer.poll((t, b, ix, l) -> { })));
            assertTrue(ex.getMessage().contains("has length 2147483632"), ex.getMessage());
            assertEquals(32, consumer.lostBytes());

            assertTrue(ring.write(1, message, 0, 24));
            assertTrue(ring.write(1, message, 0, 24));
            assertEquals(2, consumer.poll((t, b, ix, l) -> assertEquals(24, l)), "the consumer carries on");
        }
    }

    @Test
    void aRingWhoseHeadIsPastItsTailIsSkippedToTheTail()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.oneToOne(client, "ring_head", CAPACITY);
            RingConsumer consumer = ring.consumer())
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[24]);
            assertTrue(ring.write(1, message, 0, 24));
            HostileWriter.write(daemon.regionFile("ring_head"),
                q(128 + CAPACITY + RingBufferDescriptor.HEAD_POSITION_OFFSET, 1L << 50));
            assertThrows(CorruptRegionException.class, () -> consumer.poll((t, b, ix, l) -> { }));
            assertTrue(ring.write(1, message, 0, 24));
            assertEquals(1, consumer.poll((t, b, ix, l) -> { }));
        }
    }

    @Test
    void aRegionTruncatedByAnotherHolderIsRefusedBeforeAnyBulkWrite()
    {
        final long length = MessageRing.regionLength(1 << 20);
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            SharedRegion raw = client.acquire("shrunk", length))
        {
            HostileWriter.write(daemon.regionFile("shrunk"), "t:4096");
            assertEquals(4096, raw.fileSize());
            final CorruptRegionException ex = assertThrows(CorruptRegionException.class, () ->
                TypedRegionHeader.initOrValidate(raw.buffer(), "shrunk", LayoutKind.RING_MANY_TO_ONE,
                    MessageRing.VERSION, new long[]{1 << 20}, length, b -> { }, raw::fileSize, TypedMapping.over(raw)));
            assertTrue(ex.getMessage().contains("its file has 4096 bytes, the layout needs " + length),
                ex.getMessage());
            assertFalse(ex.recovered());
        }
    }
}
