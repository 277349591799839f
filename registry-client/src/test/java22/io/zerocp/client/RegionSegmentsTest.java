package io.zerocp.client;

import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JDK 22+: a region closed while two other threads read and write it through its segment makes them fail with
 * {@link IllegalStateException} (through the buffer this crashed the JVM with SIGSEGV).
 */
class RegionSegmentsTest
{
    @Test
    void closingARegionUnderReadersAndWritersMakesThemFailCleanly() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket()).build())
        {
            final SharedRegion region = client.acquire("segmented", 1 << 20);
            final MemorySegment segment = RegionSegments.of(region);
            region.buffer().putLongVolatile(64, 5);
            assertEquals(5, segment.get(ValueLayout.JAVA_LONG, 64), "the same memory as the buffer");

            final AtomicInteger failedCleanly = new AtomicInteger();
            final AtomicReference<Throwable> other = new AtomicReference<>();
            final CountDownLatch running = new CountDownLatch(2);
            final Thread[] threads = new Thread[2];
            for (int t = 0; t < 2; t++)
            {
                final boolean writer = t == 0;
                threads[t] = new Thread(() ->
                {
                    running.countDown();
                    try
                    {
                        for (long i = 0; i < Long.MAX_VALUE; i++)
                        {
                            final long offset = (i * 8) % (1 << 20);
                            if (writer)
                            {
                                segment.set(ValueLayout.JAVA_LONG, offset, i);
                            }
                            else
                            {
                                segment.get(ValueLayout.JAVA_LONG, offset);
                            }
                        }
                    }
                    catch (final IllegalStateException ex)
                    {
                        failedCleanly.incrementAndGet();
                    }
                    catch (final Throwable ex)
                    {
                        other.set(ex);
                    }
                });
                threads[t].start();
            }
            assertTrue(running.await(30, TimeUnit.SECONDS));
            Thread.sleep(100);
            region.close();
            for (final Thread thread : threads)
            {
                thread.join(30_000);
            }
            assertNull(other.get());
            assertEquals(2, failedCleanly.get(), "both threads saw the close as an exception");
            assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void aReadOnlyRegionGivesAReadOnlySegment()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion writable = client.acquire("ro_segment", 4096);
            SharedRegion readOnly = client.acquireReadOnly("ro_segment"))
        {
            writable.buffer().putLongVolatile(0, 9);
            final MemorySegment segment = RegionSegments.of(readOnly);
            assertTrue(segment.isReadOnly());
            assertEquals(9, segment.get(ValueLayout.JAVA_LONG, 0));
        }
    }
}
