package io.zerocp.daemon;

import io.zerocp.api.Verb;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

final class RequestLatencyTest
{
    @Test
    void bucketsIncludeTheirUpperBoundAndTheLastTakesTheRest()
    {
        final RequestLatency latency = new RequestLatency();
        final int ping = RequestLatency.row(Verb.PING);
        latency.record(Verb.PING, 0);
        latency.record(Verb.PING, 1_000);       // le 1 µs
        latency.record(Verb.PING, 1_001);       // le 2.5 µs
        latency.record(Verb.PING, 999_999);     // le 1 ms
        latency.record(Verb.PING, 5_000_000_000L);
        latency.record(Verb.PING, -5);          // a clock step back counts as 0
        assertEquals(3, latency.bucketCount(ping, 0));
        assertEquals(1, latency.bucketCount(ping, 1));
        assertEquals(1_000_000, RequestLatency.upperBoundNs(9));
        assertEquals(1, latency.bucketCount(ping, 9));
        assertEquals(1, latency.bucketCount(ping, RequestLatency.BUCKETS - 1));
        assertEquals(Long.MAX_VALUE, RequestLatency.upperBoundNs(RequestLatency.BUCKETS - 1));
        assertEquals(6, latency.count(ping));
        assertEquals(1_000 + 1_001 + 999_999 + 5_000_000_000L, latency.sumNanos(ping));
        assertEquals(0, latency.count(RequestLatency.row(Verb.GET_SHM_PATH)));
    }

    @Test
    void unparsedRequestsHaveTheirOwnRow()
    {
        final RequestLatency latency = new RequestLatency();
        latency.record(null, 3_000);
        final int row = RequestLatency.row(null);
        assertNull(RequestLatency.verbOf(row));
        assertEquals(RequestLatency.ROWS - 1, row);
        assertEquals(1, latency.count(row));
        for (final Verb verb : Verb.values())
        {
            assertEquals(verb, RequestLatency.verbOf(RequestLatency.row(verb)));
            assertEquals(0, latency.count(RequestLatency.row(verb)));
        }
    }

    @Test
    void recordingAllocatesNothing()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final RequestLatency latency = new RequestLatency();
        final Verb[] verbs = Verb.values();
        for (int i = 0; i < 200_000; i++) // warm up, so the loop below runs compiled
        {
            latency.record(verbs[i % verbs.length], i * 37L);
        }
        final long idleStart = threads.getCurrentThreadAllocatedBytes();
        final long idle = threads.getCurrentThreadAllocatedBytes() - idleStart; // what measuring costs
        final long start = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++)
        {
            latency.record(i % 7 == 0 ? null : verbs[i % verbs.length], i * 13L);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - start - idle;
        assertEquals(0, allocated, "bytes allocated by a million records");
    }
}
