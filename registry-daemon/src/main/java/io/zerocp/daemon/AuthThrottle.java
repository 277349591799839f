package io.zerocp.daemon;

import org.agrona.concurrent.NanoClock;

import java.util.HashMap;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Limits failed {@code AUTH} attempts per sender and in total within a sliding window, so a brute-force search for a
 * token is slow even from many addresses. With a kernel uid the sender is its uid and there is no total: one user's
 * many sockets count as one sender, and never lock out another user. That holds where the kernel gives a uid but no
 * pid too (a sender in a sibling pid namespace): its failures are its uid's, never everyone's. Conductor thread only.
 */
final class AuthThrottle
{
    private static final int MAX_TRACKED_SENDERS = 10_000;

    private final NanoClock clock;
    private final int perSender;
    private final int global;
    private final long windowNs;
    private final HashMap<Object, long[]> senders = new HashMap<>();
    private final long[] globalWindow = new long[2];

    AuthThrottle(final NanoClock clock, final int perSender, final int global, final long windowMs)
    {
        this.clock = clock;
        this.perSender = perSender;
        this.global = global;
        this.windowNs = TimeUnit.MILLISECONDS.toNanos(windowMs);
    }

    /** @return whether the sender may try to authenticate now. */
    boolean allows(final Sender sender)
    {
        final long now = clock.nanoTime();
        if (!sender.hasKernelUid() && count(globalWindow, now) >= global)
        {
            return false;
        }
        final long[] window = senders.get(keyOf(sender));
        return null == window || count(window, now) < perSender;
    }

    void recordFailure(final Sender who)
    {
        final long now = clock.nanoTime();
        final Object sender = keyOf(who);
        if (!who.hasKernelUid())
        {
            bump(globalWindow, now);
        }
        if (senders.size() >= MAX_TRACKED_SENDERS && !senders.containsKey(sender))
        {
            evictStale(now);
        }
        bump(senders.computeIfAbsent(sender, a -> new long[2]), now);
    }

    private static Object keyOf(final Sender sender)
    {
        return sender.hasKernelUid() ? (Object)Integer.valueOf(sender.senderUid()) : sender.senderKey();
    }

    // window[0] = start of the current window, window[1] = failures in it; a fixed window restarted when it lapses.
    private long count(final long[] window, final long now)
    {
        return now - window[0] >= windowNs ? 0 : window[1];
    }

    private void bump(final long[] window, final long now)
    {
        if (now - window[0] >= windowNs || window[1] == 0)
        {
            window[0] = now;
            window[1] = 0;
        }
        window[1]++;
    }

    private void evictStale(final long now)
    {
        final Iterator<long[]> it = senders.values().iterator();
        while (it.hasNext())
        {
            if (now - it.next()[0] >= windowNs)
            {
                it.remove();
            }
        }
        if (senders.size() >= MAX_TRACKED_SENDERS)
        {
            senders.clear(); // all fresh: the global limit still holds the line
        }
    }
}
