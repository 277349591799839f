package io.zerocp.client.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An initializer killed between writing the header's magic and publishing READY leaves magic + its identity in the
 * header. That used to be read as "a foreign region" by every later opener, for ever; now the dead identity means
 * "initialization abandoned" and the next opener takes it over.
 */
class HeaderCrashWindowTest
{
    @Test
    void anInitializerKilledBetweenMagicAndReadyIsTakenOver() throws Exception
    {
        final int capacity = 1024;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(60_000));
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .timeout(Duration.ofSeconds(10)).build();
            ChildJvm child = ChildJvm.start(HalfInitializer.class, daemon.socket().toString(), "half",
                Integer.toString(capacity)))
        {
            await().atMost(Duration.ofSeconds(60)).until(() -> child.output().contains("MAGIC_WRITTEN"));
            final long childIdentity = ProcessIdentity.ofPid(child.pid());
            try (RandomAccessFile file = new RandomAccessFile(daemon.regionFile("half").toFile(), "r"))
            {
                assertEquals(TypedRegionHeader.MAGIC, Long.reverseBytes(readLong(file, 0)), "magic written");
                assertEquals(childIdentity, Long.reverseBytes(readLong(file, 8)), "state is the initializer");
            }
            child.kill9();

            try (MessageRing ring = MessageRing.manyToOne(client, "half", capacity);
                RingConsumer consumer = ring.consumer())
            {
                assertTrue(ring.write(1, new UnsafeBuffer(new byte[8]), 0, 8));
                assertEquals(1, consumer.poll((type, buffer, index, length) -> assertEquals(8, length)));
            }
        }
    }

    private static long readLong(final RandomAccessFile file, final long offset) throws java.io.IOException
    {
        file.seek(offset);
        return file.readLong();
    }
}
