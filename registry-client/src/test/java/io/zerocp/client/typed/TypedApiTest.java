package io.zerocp.client.typed;

import io.zerocp.client.ClientClosedException;
import io.zerocp.client.RegistryClient;
import io.zerocp.client.RegistryException;
import io.zerocp.client.SharedRegion;
import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.zerocp.client.typed.MessageRingTest.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One naming scheme and one lifecycle across the typed regions (issue 26, case 5): {@code poll(handler[, limit])}
 * returning a count on every consumer, every consumer and producer {@link AutoCloseable}, a closed one throwing
 * {@link ClientClosedException}, {@code isValid()} on each, and no raw writable open of a typed region by accident.
 */
class TypedApiTest
{
    private static final UnsafeBuffer MESSAGE = new UnsafeBuffer(new byte[8]);

    @Test
    void everyConsumerPollsAndCountsAndEveryClosedObjectSaysItIsClosed()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon))
        {
            final MessageRing ring = MessageRing.manyToOne(client, "api_ring", 4096);
            final RingConsumer ringConsumer = ring.consumer();
            ring.write(1, MESSAGE, 0, 8);
            ring.write(1, MESSAGE, 0, 8);
            assertEquals(1, ringConsumer.poll((t, b, i, l) -> { }, 1));
            assertEquals(1, ringConsumer.poll((t, b, i, l) -> { }));
            assertTrue(ring.isValid() && ringConsumer.isValid());

            final BroadcastRegion broadcast = BroadcastRegion.open(client, "api_broadcast", 4096);
            final BroadcastPublisher publisher = broadcast.publisher();
            final BroadcastSubscriber subscriber = broadcast.subscriber();
            publisher.transmit(1, MESSAGE, 0, 8);
            publisher.transmit(1, MESSAGE, 0, 8);
            assertEquals(1, subscriber.poll((t, b, i, l) -> { }, 1));
            assertEquals(1, subscriber.poll((t, b, i, l) -> { }));
            assertTrue(broadcast.isValid() && publisher.isValid() && subscriber.isValid());

            final FramePool pool = FramePool.open(client, "api_frames", 3, 64, 1);
            final FrameProducer producer = pool.producer();
            final FrameConsumer frameConsumer = pool.consumer();
            producer.claim();
            producer.publish(8, 1);
            assertEquals(1, frameConsumer.poll((f, l, s, ts) -> { }, 1));
            assertEquals(0, frameConsumer.poll((f, l, s, ts) -> { }, 1));
            assertTrue(pool.isValid() && producer.isValid() && frameConsumer.isValid());

            final AutoCloseable[] all = {ringConsumer, ring, subscriber, publisher, broadcast, frameConsumer,
                producer, pool};
            for (final AutoCloseable closeable : all)
            {
                assertClosesTwice(closeable);
            }
            assertClosed(() -> ringConsumer.poll((t, b, i, l) -> { }));
            assertClosed(() -> ring.write(1, MESSAGE, 0, 8));
            assertClosed(() -> ring.consumer());
            assertClosed(() -> subscriber.poll((t, b, i, l) -> { }));
            assertClosed(() -> publisher.transmit(1, MESSAGE, 0, 8));
            assertClosed(() -> broadcast.subscriber());
            assertClosed(() -> frameConsumer.poll((f, l, s, ts) -> { }));
            assertClosed(() -> producer.claim());
            assertClosed(() -> pool.consumer());
            assertFalse(ring.isValid() || ringConsumer.isValid() || broadcast.isValid() || publisher.isValid() ||
                subscriber.isValid() || pool.isValid() || producer.isValid() || frameConsumer.isValid());
        }
    }

    @Test
    void aTypedRegionIsNotMappedRawAndWritableUnlessAskedFor()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "api_typed", 3, 64, 1);
            FrameProducer producer = pool.producer())
        {
            final long length = FramePool.regionLength(3, 64, 1);
            final RegistryException bare = assertThrows(RegistryException.class, () -> client.acquire("api_typed"));
            assertTrue(bare.getMessage().contains("region api_typed holds a typed layout (frame-pool v2)"),
                bare.getMessage());
            assertThrows(RegistryException.class, () -> client.acquire("api_typed", length));
            // The refusals closed their mappings without dropping this process's role lock on the file.
            try (ChildJvmProbe probe = ChildJvmProbe.tryProduce(daemon, "api_typed", "3", "64", "1"))
            {
                assertTrue(probe.refused(), probe.output());
            }
            try (SharedRegion look = client.acquireReadOnly("api_typed");
                SharedRegion raw = client.acquireRaw("api_typed", length))
            {
                assertEquals(length, look.size());
                assertEquals(raw.buffer().getLong(0), look.view().getLong(0));
            }
            // Plain regions are untouched by the rule.
            try (SharedRegion plain = client.acquire("api_plain", 4096))
            {
                plain.buffer().putLong(0, 7);
            }
            try (SharedRegion plain = client.acquire("api_plain"))
            {
                assertEquals(7, plain.buffer().getLong(0));
            }
        }
    }

    @Test
    void rolesAreHeldOverAPassedDescriptorToo()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .timeout(java.time.Duration.ofSeconds(10)).transferMode(io.zerocp.client.TransferMode.FD).build();
            FramePool pool = FramePool.open(client, "api_fd", 3, 64, 1))
        {
            try (FrameProducer producer = pool.producer();
                ChildJvmProbe probe = ChildJvmProbe.tryProduce(daemon, "api_fd", "3", "64", "1"))
            {
                assertTrue(probe.refused(), probe.output());
                producer.claim();
                producer.publish(8, 1);
            }
            try (FrameConsumer consumer = pool.consumer())
            {
                assertEquals(1, pool.consumerCount());
                assertEquals(1, consumer.poll((f, l, s, ts) -> { }, 1));
            }
            assertEquals(0, pool.consumerCount());
        }
    }

    private static void assertClosesTwice(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
            closeable.close();
        }
        catch (final Exception ex)
        {
            throw new AssertionError(closeable + " did not close twice quietly", ex);
        }
    }

    private static void assertClosed(final org.junit.jupiter.api.function.Executable call)
    {
        final ClientClosedException ex = assertThrows(ClientClosedException.class, call);
        assertTrue(ex.getMessage().contains("is closed"), ex.getMessage());
    }

    /** Another process trying to take the producer role of a frame pool. */
    private static final class ChildJvmProbe implements AutoCloseable
    {
        private final io.zerocp.testkit.ChildJvm child;

        private ChildJvmProbe(final io.zerocp.testkit.ChildJvm child)
        {
            this.child = child;
        }

        static ChildJvmProbe tryProduce(final EmbeddedDaemon daemon, final String name, final String... parameters)
        {
            final String[] args = new String[parameters.length + 3];
            args[0] = "frames-try-produce";
            args[1] = daemon.socket().toString();
            args[2] = name;
            System.arraycopy(parameters, 0, args, 3, parameters.length);
            return new ChildJvmProbe(io.zerocp.testkit.ChildJvm.start(TypedPeer.class, args));
        }

        boolean refused()
        {
            child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            return child.printed("REFUSED");
        }

        String output()
        {
            return child.output();
        }

        @Override
        public void close()
        {
            child.close();
        }
    }
}
