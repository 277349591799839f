package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.zerocp.client.typed.MessageRingTest.client;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BroadcastRegionTest
{
    private static final Duration LIVENESS = Duration.ofSeconds(30);
    private static final Pattern RESULT = Pattern.compile(
        "RESULT received=(\\d+) lost=(\\d+) lapped=(\\d+) inorder=(\\w+) corrupt=(\\d+) last=(\\d+)");

    @Test
    void everyReceiverProcessGetsEveryMessageInOrderWhenNoneFallsBehind()
    {
        final int count = 2_000; // 2,000 records of 80 bytes fit in 1 MiB: nobody can be lapped
        final int capacity = 1 << 20;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            BroadcastRegion region = BroadcastRegion.open(client, "status", capacity);
            BroadcastPublisher publisher = region.publisher();
            ChildJvm first = receiver(daemon, "status", capacity, count, 0);
            ChildJvm second = receiver(daemon, "status", capacity, count, 500))
        {
            awaitPrinted(first, "SUBSCRIBED");
            awaitPrinted(second, "SUBSCRIBED");
            transmit(publisher, 0, count);

            for (final ChildJvm receiver : List.of(first, second))
            {
                final long[] result = result(receiver);
                assertEquals(count, result[0], receiver::output);
                assertEquals(0, result[1], receiver::output);
                assertEquals(0, result[2], receiver::output);
                assertEquals(1, result[3], receiver::output);
                assertEquals(0, result[4], receiver::output);
            }
        }
    }

    @Test
    void aLappedReceiverIsToldExactlyHowManyMessagesItLost()
    {
        final int count = 5_000; // 400 KB of records through a 4 KiB buffer
        final int capacity = 4096;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            BroadcastRegion region = BroadcastRegion.open(client, "ticks", capacity);
            BroadcastPublisher publisher = region.publisher();
            ChildJvm slow = receiver(daemon, "ticks", capacity, count, 2_000);
            ChildJvm keen = receiver(daemon, "ticks", capacity, count, 0))
        {
            awaitPrinted(slow, "SUBSCRIBED");
            awaitPrinted(keen, "SUBSCRIBED");
            transmit(publisher, 0, count);

            final long[] lagging = result(slow);
            assertTrue(lagging[1] > 0, slow::output);
            assertTrue(lagging[2] > 0, slow::output);
            // The transmitter never waited; whatever a receiver missed it was told about, to the message.
            for (final ChildJvm receiver : List.of(slow, keen))
            {
                final long[] result = result(receiver);
                assertEquals(count, result[0] + result[1], receiver::output);
                assertEquals(1, result[3], receiver::output);
                assertEquals(0, result[4], receiver::output);
                assertEquals(count, result[5], receiver::output);
            }
        }
    }

    @Test
    void aKilledTransmitterIsReplacedAndTheNumberingGoesOn()
    {
        final int capacity = 1 << 16;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            BroadcastRegion region = BroadcastRegion.open(client, "feed", capacity))
        {
            final BroadcastSubscriber subscriber = region.subscriber();
            try (ChildJvm transmitter = ChildJvm.start(TypedPeer.class, "broadcast-transmit-and-hang",
                daemon.socket().toString(), "feed", Integer.toString(capacity), "10"))
            {
                awaitPrinted(transmitter, "SENT 10");
                assertThrows(IllegalStateException.class, region::publisher, "one live transmitter at a time");
                transmitter.kill9();
            }
            try (BroadcastPublisher publisher = region.publisher())
            {
                transmit(publisher, 10, 30);
            }

            final List<Long> values = new ArrayList<>();
            subscriber.poll((type, buffer, index, length) -> values.add(buffer.getLong(index + 8)));
            assertEquals(30, values.size(), values + " lost=" + subscriber.lostMessages() + " lapped=" +
                subscriber.lappedCount());
            for (int i = 0; i < 30; i++)
            {
                assertEquals(i, values.get(i));
            }
            assertEquals(0, subscriber.lostMessages());
            assertEquals(30, subscriber.lastSequence());
            assertEquals(30, region.lastSequence());
        }
    }

    private static ChildJvm receiver(
        final EmbeddedDaemon daemon, final String name, final int capacity, final int count, final long delayMs)
    {
        return ChildJvm.start(TypedPeer.class, "broadcast-receive", daemon.socket().toString(), name,
            Integer.toString(capacity), Integer.toString(count), Long.toString(delayMs));
    }

    private static void transmit(final BroadcastPublisher publisher, final int from, final int to)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[TypedPeer.MESSAGE_LENGTH]);
        for (int i = from; i < to; i++)
        {
            TypedPeer.encode(message, 0, 0, i);
            publisher.transmit(TypedPeer.DATA_TYPE, message, 0, TypedPeer.MESSAGE_LENGTH);
        }
    }

    static void awaitPrinted(final ChildJvm child, final String text)
    {
        await().atMost(LIVENESS).until(() -> child.printed(text) || !child.process().isAlive());
        assertTrue(child.printed(text), child::output);
    }

    /** @return received, lost, lapped, in order (1/0), corrupt, last sequence. */
    private static long[] result(final ChildJvm receiver)
    {
        assertEquals(0, receiver.waitFor(30, TimeUnit.SECONDS), receiver::output);
        final Matcher m = RESULT.matcher(receiver.output());
        assertTrue(m.find(), receiver::output);
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
            "true".equals(m.group(4)) ? 1 : 0, Long.parseLong(m.group(5)), Long.parseLong(m.group(6))};
    }
}
