package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.zerocp.client.typed.MessageRingTest.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer paused between claiming and committing for longer than the consumer's unblock timeout (issue 26, case
 * 5): its claim is unblocked (turned into padding) and the consumer moves on. Before, {@code commit()} then threw
 * Agrona's "claimed space previously committed" and {@code write()} stored its length over the padding and returned
 * {@code true} for a message nobody would read.
 */
class RingClaimTest
{
    private static final Duration LIVENESS = Duration.ofSeconds(30);
    private static final Duration UNBLOCK = Duration.ofMillis(100);

    @Test
    void aCommitAfterAnUnblockSaysTheClaimWasUnblocked()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.manyToOne(client, "stalled_claim", 4096);
            RingConsumer consumer = ring.consumer(UNBLOCK))
        {
            final int index = ring.tryClaim(3, 16);
            assertTrue(index > 0);
            ring.buffer().putLong(index, 0xDEADL); // half a message: this producer now stalls
            assertTrue(ring.write(1, message(1), 0, 8), "a message behind the stalled claim");

            final List<Long> received = new ArrayList<>();
            final long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline)
            {
                consumer.poll((type, buffer, at, length) -> received.add(buffer.getLong(at)));
                Thread.yield();
            }
            assertEquals(List.of(1L), received, "the consumer unblocked the claim and read what came after");
            assertEquals(1, consumer.unblocks());

            final ClaimUnblockedException ex = assertThrows(ClaimUnblockedException.class, () -> ring.commit(index));
            assertTrue(ex.getMessage().contains("your claim at index " + index + " of ring stalled_claim was " +
                "unblocked by the consumer after "), ex.getMessage());
            assertTrue(ex.claimedForMs() >= UNBLOCK.toMillis(), ex.getMessage());
            assertThrows(IllegalStateException.class, () -> ring.commit(index), "the claim is gone for good");

            // Nothing more arrives: the stalled message was discarded, and nothing was committed in its place.
            assertTrue(ring.write(1, message(2), 0, 8));
            received.clear();
            consumer.poll((type, buffer, at, length) -> received.add(type == 1 ? buffer.getLong(at) : -type));
            assertEquals(List.of(2L), received);

            // The same for an abort.
            final int second = ring.tryClaim(3, 16);
            assertTrue(ring.write(1, message(3), 0, 8));
            awaitUnblocks(consumer, 2);
            assertThrows(ClaimUnblockedException.class, () -> ring.abort(second));
        }
    }

    @Test
    void aWritePausedBetweenClaimAndCommitNeverReportsADiscardedMessageAsWritten() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.manyToOne(client, "stalled_write", 4096);
            RingConsumer consumer = ring.consumer(UNBLOCK))
        {
            final CountDownLatch claimed = new CountDownLatch(1);
            final CountDownLatch resume = new CountDownLatch(1);
            ring.afterWriteClaim = () ->
            {
                ring.afterWriteClaim = null; // only the first claim stalls
                claimed.countDown();
                await(resume);
            };
            final CompletableFuture<Boolean> stalled =
                CompletableFuture.supplyAsync(() -> ring.write(5, message(42), 0, 8));
            assertTrue(claimed.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
            assertTrue(ring.write(1, message(1), 0, 8), "a message behind the stalled write");

            final List<Long> received = new ArrayList<>();
            final long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline)
            {
                consumer.poll((type, buffer, at, length) -> received.add(buffer.getLong(at)));
                Thread.yield();
            }
            assertEquals(List.of(1L), received);
            assertEquals(1, consumer.unblocks(), "the stalled write's claim was unblocked");

            resume.countDown();
            final boolean written = stalled.get(LIVENESS.toSeconds(), TimeUnit.SECONDS);
            received.clear();
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < until)
            {
                consumer.poll((type, buffer, at, length) -> received.add(type == 5 ? buffer.getLong(at) : -type));
                Thread.yield();
            }
            // write() said true: then the consumer gets the message, exactly once.
            assertTrue(written);
            assertEquals(List.of(42L), received, "write() returned true for a message the consumer never got");
            assertEquals(1, ring.rewrites());
        }
    }

    private static void awaitUnblocks(final RingConsumer consumer, final long unblocks)
    {
        final long deadline = System.nanoTime() + LIVENESS.toNanos();
        while (consumer.unblocks() < unblocks && System.nanoTime() < deadline)
        {
            consumer.poll((type, buffer, at, length) -> { });
            Thread.yield();
        }
        assertEquals(unblocks, consumer.unblocks());
    }

    private static UnsafeBuffer message(final long value)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        buffer.putLong(0, value);
        return buffer;
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
