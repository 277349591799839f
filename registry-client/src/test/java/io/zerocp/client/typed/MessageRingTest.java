package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.SharedRegion;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageRingTest
{
    private static final Duration LIVENESS = Duration.ofSeconds(30);

    @Test
    void manyProducerProcessesLoseNothingAndKeepTheirOrder()
    {
        final int perProducer = 20_000;
        final int capacity = 4096; // small, so producers find it full and must retry
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.manyToOne(client, "commands", capacity);
            RingConsumer consumer = ring.consumer();
            ChildJvm first = ChildJvm.start(TypedPeer.class, "ring-produce", daemon.socket().toString(),
                "commands", Integer.toString(capacity), "m2o", "1", Integer.toString(perProducer));
            ChildJvm second = ChildJvm.start(TypedPeer.class, "ring-produce", daemon.socket().toString(),
                "commands", Integer.toString(capacity), "m2o", "2", Integer.toString(perProducer)))
        {
            final long[] next = new long[3];
            final long[] bad = {0};
            final long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (next[1] + next[2] + bad[0] < 2L * perProducer && System.nanoTime() < deadline)
            {
                if (0 == consumer.poll((type, buffer, index, length) ->
                {
                    final int producer = buffer.getInt(index);
                    if (type != TypedPeer.DATA_TYPE || !TypedPeer.intact(buffer, index, length) ||
                        (producer != 1 && producer != 2) || buffer.getLong(index + 8) != next[producer])
                    {
                        bad[0]++;
                        return;
                    }
                    next[producer]++;
                }))
                {
                    Thread.yield();
                }
            }

            assertEquals(0, bad[0], "messages out of order, corrupt or foreign");
            assertEquals(perProducer, next[1], first::output);
            assertEquals(perProducer, next[2], second::output);
            assertEquals(0, first.waitFor(30, TimeUnit.SECONDS), first::output);
            assertEquals(0, second.waitFor(30, TimeUnit.SECONDS), second::output);
            assertEquals(0, consumer.poll((type, buffer, index, length) -> bad[0]++), "nothing after the last");
        }
    }

    @Test
    void oneToOneRingDeliversEveryMessageInOrder()
    {
        final int count = 50_000;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.oneToOne(client, "audio_cmds", 8192);
            RingConsumer consumer = ring.consumer();
            ChildJvm producer = ChildJvm.start(TypedPeer.class, "ring-produce", daemon.socket().toString(),
                "audio_cmds", "8192", "o2o", "5", Integer.toString(count)))
        {
            final long[] next = {0};
            final long[] bad = {0};
            final long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (next[0] + bad[0] < count && System.nanoTime() < deadline)
            {
                consumer.poll((type, buffer, index, length) ->
                {
                    if (!TypedPeer.intact(buffer, index, length) || buffer.getInt(index) != 5 ||
                        buffer.getLong(index + 8) != next[0])
                    {
                        bad[0]++;
                        return;
                    }
                    next[0]++;
                });
            }

            assertEquals(0, bad[0]);
            assertEquals(count, next[0], producer::output);
            assertEquals(0, producer.waitFor(30, TimeUnit.SECONDS), producer::output);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"m2o", "o2o"})
    void aProducerKilledMidWriteDoesNotWedgeTheRing(final String kind)
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = TypedPeer.openRing(client, "wedge", 4096, kind);
            RingConsumer consumer = ring.consumer(Duration.ofMillis(200));
            ChildJvm producer = ChildJvm.start(TypedPeer.class, "ring-claim-and-hang",
                daemon.socket().toString(), "wedge", "4096", kind))
        {
            await().atMost(LIVENESS).until(() -> producer.printed("CLAIMED") || !producer.process().isAlive());
            assertTrue(producer.printed("CLAIMED"), producer::output);
            final UnsafeBuffer message = new UnsafeBuffer(new byte[TypedPeer.MESSAGE_LENGTH]);
            if ("o2o".equals(kind))
            {
                // While the one producer lives, nobody else may write.
                assertThrows(IllegalStateException.class, () -> ring.write(TypedPeer.DATA_TYPE, message, 0, 64));
            }

            producer.kill9();

            final int count = 100; // more than fit in the ring: the ring must move for all to get through
            final List<Long> received = new ArrayList<>();
            final long[] dead = {0};
            int written = 0;
            final long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (received.size() < count && System.nanoTime() < deadline)
            {
                if (written < count)
                {
                    TypedPeer.encode(message, 0, 9, written);
                    if (ring.write(TypedPeer.DATA_TYPE, message, 0, TypedPeer.MESSAGE_LENGTH))
                    {
                        written++;
                    }
                }
                consumer.poll((type, buffer, index, length) ->
                {
                    if (type != TypedPeer.DATA_TYPE)
                    {
                        dead[0]++;
                        return;
                    }
                    received.add(buffer.getLong(index + 8));
                });
                Thread.yield();
            }

            assertEquals(count, received.size(), "messages behind the dead producer's record");
            for (int i = 0; i < count; i++)
            {
                assertEquals(i, received.get(i));
            }
            assertEquals(0, dead[0], "the half-written message must never be delivered");
            assertEquals(1, consumer.unblocks());
            assertEquals(ring.producerPosition(), ring.consumerPosition());
        }
    }

    @Test
    void openingWithAnotherLayoutGivesAClearErrorInEveryProcess()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.manyToOne(client, "layout", 4096))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
            assertTrue(ring.write(1, message, 0, 64));

            // Same size, other kind: caught by the header.
            try (ChildJvm other = ChildJvm.start(TypedPeer.class, "ring-open", daemon.socket().toString(),
                "layout", "4096", "o2o"))
            {
                assertEquals(0, other.waitFor(30, TimeUnit.SECONDS), other::output);
                assertTrue(other.printed("MISMATCH region layout holds a RING_MANY_TO_ONE v2 (capacity=4096); " +
                    "opened as RING_ONE_TO_ONE v2 (capacity=4096)"), other::output);
            }
            // Other size: caught by the daemon's size check, explained from the header.
            try (ChildJvm other = ChildJvm.start(TypedPeer.class, "ring-open", daemon.socket().toString(),
                "layout", "8192", "m2o"))
            {
                assertEquals(0, other.waitFor(30, TimeUnit.SECONDS), other::output);
                assertTrue(other.printed("MISMATCH region layout exists with another size and holds a " +
                    "RING_MANY_TO_ONE v2 (capacity=4096)"), other::output);
            }
            final LayoutMismatchException asFrames = assertThrows(LayoutMismatchException.class,
                () -> FramePool.open(client, "layout", 3, 64, 1));
            assertTrue(asFrames.getMessage().contains("RING_MANY_TO_ONE"), asFrames.getMessage());

            // The ring is unharmed by all of that.
            try (RingConsumer consumer = ring.consumer())
            {
                assertEquals(1, consumer.poll((type, buffer, index, length) -> { }));
            }
        }
    }

    @Test
    void anotherVersionOrRawDataIsRefused()
    {
        final int capacity = 1024;
        final long length = MessageRing.regionLength(capacity);
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon))
        {
            try (MessageRing ring = MessageRing.manyToOne(client, "versioned", capacity);
                SharedRegion raw = client.acquireRaw("versioned", length))
            {
                raw.buffer().putInt(TypedRegionHeader.VERSION_OFFSET, MessageRing.VERSION + 1);
                final LayoutMismatchException ex = assertThrows(LayoutMismatchException.class,
                    () -> MessageRing.manyToOne(client, "versioned", capacity));
                assertTrue(ex.getMessage().contains("holds a RING_MANY_TO_ONE v3 (capacity=1024); opened as " +
                    "RING_MANY_TO_ONE v2"), ex.getMessage());
            }
            try (SharedRegion raw = client.acquire("plain", length))
            {
                raw.buffer().putStringAscii(0, "some bytes that are not a header");
                final LayoutMismatchException ex = assertThrows(LayoutMismatchException.class,
                    () -> MessageRing.manyToOne(client, "plain", capacity));
                assertTrue(ex.getMessage().contains("is not a typed region"), ex.getMessage());
            }
        }
    }

    @Test
    void anInitializerThatDiedIsTakenOver()
    {
        final int capacity = 1024;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            SharedRegion raw = client.acquire("half_made", MessageRing.regionLength(capacity)))
        {
            final long deadIdentity;
            try (ChildJvm child = ChildJvm.start(TypedPeer.class, "frames-hold", daemon.socket().toString(),
                "holder", "3", "64", "1"))
            {
                await().atMost(LIVENESS).until(() -> child.printed("JOINED") || !child.process().isAlive());
                deadIdentity = ProcessIdentity.ofPid(child.pid());
                assertTrue(ProcessIdentity.isAlive(deadIdentity), child::output);
                child.kill9();
            }
            assertTrue(!ProcessIdentity.isAlive(deadIdentity));
            // As if that process had won the CAS and died before READY, after scribbling on the ring.
            raw.buffer().putLongVolatile(TypedRegionHeader.STATE_OFFSET, deadIdentity);
            raw.buffer().putLong(TypedRegionHeader.LENGTH + 64, -1L);

            try (MessageRing ring = MessageRing.manyToOne(client, "half_made", capacity);
                RingConsumer consumer = ring.consumer())
            {
                assertEquals(TypedRegionHeader.READY, raw.buffer().getLongVolatile(TypedRegionHeader.STATE_OFFSET));
                assertTrue(ring.write(1, new UnsafeBuffer(new byte[8]), 0, 8));
                assertEquals(1, consumer.poll((type, buffer, index, length) -> { }));
            }
        }
    }

    @Test
    void readReturnsNothingOnlyWhenNothingIsPendingEvenAcrossTheWrap()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.oneToOne(client, "wrap", 1024);
            RingConsumer consumer = ring.consumer())
        {
            // 100-byte messages (112-byte records) do not divide 1024: the ring pads at its end every ninth write.
            final UnsafeBuffer message = new UnsafeBuffer(new byte[100]);
            for (int i = 0; i < 200; i++)
            {
                message.putInt(0, i);
                assertTrue(ring.write(1, message, 0, 100));
                final int expected = i;
                final int[] got = {-1};
                assertEquals(1, consumer.poll((type, buffer, index, length) -> got[0] = buffer.getInt(index), 1),
                    "read " + i + " at position " + ring.consumerPosition());
                assertEquals(expected, got[0]);
            }
            assertTrue(ring.consumerPosition() > 2 * ring.capacity(), "wrapped at least twice");
        }
    }

    static RegistryClient client(final EmbeddedDaemon daemon)
    {
        return RegistryClient.builder().socketPath(daemon.socket()).timeout(Duration.ofSeconds(10)).build();
    }
}
