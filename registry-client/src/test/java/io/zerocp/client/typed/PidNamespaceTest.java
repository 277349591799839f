package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.daemon.EmbeddedDaemon;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.ExternalCommand;
import org.junit.jupiter.api.BeforeAll;
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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Typed regions shared between processes in different pid namespaces (two containers sharing {@code /dev/shm}, here
 * {@code unshare --pid --fork --mount-proc}): each side's pid and start time mean nothing to the other, so roles and
 * claims must not be judged by them (issue 26, case 2). Before the kernel-lock identity, the producer's sweep
 * freed a reading consumer's claim (191 of 192 frames changed under a reader), {@code consumerCount()} read 0, and
 * every role was taken over while its holder lived.
 */
class PidNamespaceTest
{
    private static final Duration LIVENESS = Duration.ofSeconds(60);
    private static final int SLOT_SIZE = 64 * 1024;
    private static final List<String> OWN_PID_NAMESPACE =
        List.of("unshare", "--pid", "--fork", "--kill-child", "--mount-proc");

    @BeforeAll
    static void needsPidNamespaces()
    {
        assumeTrue(ExternalCommand.works("unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "true"),
            "skipped: cannot make a pid namespace here (unshare --pid needs root or CAP_SYS_ADMIN)");
    }

    @Test
    void consumersInOtherPidNamespacesKeepTheirFramesAndAreCounted()
    {
        final int frames = 150;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "ns_camera", 4, SLOT_SIZE, 2);
            FrameProducer producer = pool.producer();
            ChildJvm first = inOwnNamespace("frames-consume", daemon, "ns_camera", "4", Integer.toString(SLOT_SIZE),
                "2", Integer.toString(frames), "20");
            ChildJvm second = inOwnNamespace("frames-consume", daemon, "ns_camera", "4",
                Integer.toString(SLOT_SIZE), "2", Integer.toString(frames), "20"))
        {
            awaitPrinted(first, "JOINED");
            awaitPrinted(second, "JOINED");
            assertEquals(2, pool.consumerCount(), "two consumers are attached, from other pid namespaces");
            // A reader in yet another namespace counts them too.
            try (ChildJvm counter = inOwnNamespace("frames-count", daemon, "ns_camera", "4",
                Integer.toString(SLOT_SIZE), "2"))
            {
                assertEquals(0, counter.waitFor(60, TimeUnit.SECONDS), counter::output);
                assertTrue(counter.printed("CONSUMERS 2"), counter::output);
            }

            // The producer never waits: each consumer holds every frame it reads for 20 ms while the producer
            // publishes every 2 ms and sweeps for dead consumers every 100 ms.
            for (int i = 0; i < frames; i++)
            {
                FramePoolTest.publish(producer);
                TypedPeer.sleepQuietly(2);
                if (i == frames / 2)
                {
                    assertEquals(2, pool.consumerCount(), "after the producer's sweeps, still attached");
                }
            }
            for (final ChildJvm consumer : List.of(first, second))
            {
                final long[] result = FramePoolTest.result(consumer, 60);
                assertTrue(result[0] > 0, consumer::output);
                assertEquals(0, result[2], "a frame changed while a consumer in another pid namespace was reading " +
                    "it: " + consumer.output());
                assertEquals(1, result[3], consumer::output);
            }
            await().atMost(LIVENESS).until(() -> pool.consumerCount() == 0);
        }
    }

    @Test
    void aProducerInAnotherPidNamespaceKeepsTheRoleWhileItLives()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "ns_relay", 4, SLOT_SIZE, 2))
        {
            try (FrameProducer producer = pool.producer();
                ChildJvm second = inOwnNamespace("frames-try-produce", daemon, "ns_relay", "4",
                    Integer.toString(SLOT_SIZE), "2"))
            {
                assertEquals(0, second.waitFor(60, TimeUnit.SECONDS), second::output);
                assertTrue(second.printed("REFUSED the producer of region ns_relay is held by another live process"),
                    second::output);
                FramePoolTest.publish(producer);
            }
            try (ChildJvm producerThere = inOwnNamespace("frames-try-produce", daemon, "ns_relay", "4",
                Integer.toString(SLOT_SIZE), "2"))
            {
                awaitPrinted(producerThere, "PRODUCING");
                final IllegalStateException ex = assertThrows(IllegalStateException.class, pool::producer);
                assertTrue(ex.getMessage().contains("held by another live process"), ex.getMessage());
                producerThere.kill9();
            }
            // Its holder died (kill -9 in its own namespace; the JVM goes a moment after the unshare wrapper): the
            // kernel dropped the lock, the role is free.
            await().atMost(LIVENESS).ignoreExceptionsInstanceOf(IllegalStateException.class).until(() ->
            {
                try (FrameProducer producer = pool.producer())
                {
                    FramePoolTest.publish(producer);
                    return true;
                }
            });
        }
    }

    @Test
    void aConsumerKilledInAnotherPidNamespaceIsRecovered()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            FramePool pool = FramePool.open(client, "ns_held", 3, SLOT_SIZE, 1);
            FrameProducer producer = pool.producer();
            ChildJvm holder = inOwnNamespace("frames-hold", daemon, "ns_held", "3", Integer.toString(SLOT_SIZE),
                "1"))
        {
            awaitPrinted(holder, "JOINED");
            FramePoolTest.publish(producer);
            awaitPrinted(holder, "HOLDING");
            final Matcher m = Pattern.compile("HOLDING slot=(\\d+) seq=(\\d+)").matcher(holder.output());
            assertTrue(m.find(), holder::output);
            final int slot = Integer.parseInt(m.group(1));
            for (int i = 0; i < 50; i++)
            {
                FramePoolTest.publish(producer);
                TypedPeer.sleepQuietly(4); // past several 100 ms sweeps
            }
            assertEquals(1, pool.slotSequence(slot), "the producer wrote into a slot being read");
            assertEquals(1, pool.consumerCount());
            assertThrows(IllegalStateException.class, pool::consumer, "the only consumer entry is taken");

            holder.kill9();

            await().atMost(LIVENESS).until(producer::consumersCaughtUp);
            await().atMost(LIVENESS).until(() ->
            {
                FramePoolTest.publish(producer);
                return pool.slotSequence(slot) != 1;
            });
            assertEquals(0, pool.consumerCount());
            try (FrameConsumer consumer = pool.consumer())
            {
                assertEquals(1, pool.consumerCount());
                final long[] seen = {0};
                assertTrue(consumer.poll((frame, length, seq, ts) ->
                    seen[0] = TypedPeer.frameIntact(frame, length, seq) ? seq : -1));
                assertEquals(producer.sequence(), seen[0]);
            }
        }
    }

    @Test
    void ringAndBroadcastRolesHoldAcrossPidNamespaces()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = client(daemon);
            MessageRing ring = MessageRing.manyToOne(client, "ns_commands", 4096);
            MessageRing oneToOne = MessageRing.oneToOne(client, "ns_audio", 4096);
            BroadcastRegion status = BroadcastRegion.open(client, "ns_status", 4096))
        {
            try (ChildJvm consumer = inOwnNamespace("ring-consume-and-hang", daemon, "ns_commands", "4096", "m2o");
                ChildJvm producer = inOwnNamespace("ring-claim-and-hang", daemon, "ns_audio", "4096", "o2o");
                ChildJvm transmitter = inOwnNamespace("broadcast-transmit-and-hang", daemon, "ns_status", "4096",
                    "3"))
            {
                awaitPrinted(consumer, "CONSUMING");
                awaitPrinted(producer, "CLAIMED");
                awaitPrinted(transmitter, "SENT 3");
                assertThrows(IllegalStateException.class, ring::consumer, "the ring's consumer lives elsewhere");
                final org.agrona.concurrent.UnsafeBuffer message = new org.agrona.concurrent.UnsafeBuffer(new byte[8]);
                assertThrows(IllegalStateException.class, () -> oneToOne.write(1, message, 0, 8),
                    "the one-to-one ring's producer lives elsewhere");
                assertThrows(IllegalStateException.class, status::publisher, "the transmitter lives elsewhere");
                consumer.kill9();
                producer.kill9();
                transmitter.kill9();
            }
            // All three died (a moment after their unshare wrappers): each role is free again.
            await().atMost(LIVENESS).ignoreExceptionsInstanceOf(IllegalStateException.class).until(() ->
            {
                ring.consumer().close();
                status.publisher().close();
                return oneToOne.write(1, new org.agrona.concurrent.UnsafeBuffer(new byte[8]), 0, 8);
            });
            try (RingConsumer consumer = ring.consumer();
                BroadcastPublisher publisher = status.publisher())
            {
                assertTrue(oneToOne.write(1, new org.agrona.concurrent.UnsafeBuffer(new byte[8]), 0, 8));
                assertEquals(4, publisher.transmit(1, new org.agrona.concurrent.UnsafeBuffer(new byte[8]), 0, 8));
            }
        }
    }

    private static ChildJvm inOwnNamespace(final String command, final EmbeddedDaemon daemon, final String name,
        final String... args)
    {
        final String[] all = new String[args.length + 3];
        all[0] = command;
        all[1] = daemon.socket().toString();
        all[2] = name;
        System.arraycopy(args, 0, all, 3, args.length);
        return ChildJvm.startWrapped(OWN_PID_NAMESPACE, TypedPeer.class, all);
    }
}
