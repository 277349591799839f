package io.zerocp.client;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The exchanges waiting for a connection's I/O thread, oldest first, and its closing: callers {@link #submit}, the
 * I/O thread takes the {@link #next} one and {@link #pause}s between sends; {@link #close} wakes it, and what is still
 * queued then fails with {@link ClientClosedException}. The lock is held only to move entries, never across I/O.
 */
final class ExchangeQueue
{
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Exchange> queue = new ArrayDeque<>();
    private volatile boolean closed;

    /** @throws ClientClosedException when closed (nothing is queued then). */
    void submit(final Exchange exchange)
    {
        lock.lock();
        try
        {
            if (closed)
            {
                throw new ClientClosedException("the client is closed; '" + Replies.printable(exchange.request) +
                    "' was not sent");
            }
            queue.addLast(exchange);
            changed.signal();
        }
        finally
        {
            lock.unlock();
        }
    }

    /** I/O thread: @return the next exchange, waiting for one; null once closed (what was queued is failed). */
    Exchange next()
    {
        lock.lock();
        try
        {
            while (queue.isEmpty() && !closed)
            {
                changed.awaitUninterruptibly();
            }
            if (closed)
            {
                for (Exchange left = queue.pollFirst(); null != left; left = queue.pollFirst())
                {
                    left.fail(new ClientClosedException("the client was closed before '" +
                        Replies.printable(left.request) + "' could be sent"));
                }
                return null;
            }
            return queue.pollFirst();
        }
        finally
        {
            lock.unlock();
        }
    }

    /** I/O thread: waits {@code ms} before a send is tried again; only a close cuts it short. */
    void pause(final long ms)
    {
        lock.lock();
        try
        {
            if (!closed)
            {
                changed.await(ms, TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            // the I/O thread is nobody's to interrupt: carry on
        }
        finally
        {
            lock.unlock();
        }
    }

    boolean isClosed()
    {
        return closed;
    }

    /** @return whether this call closed it (false when it was closed already). */
    boolean close()
    {
        lock.lock();
        try
        {
            if (closed)
            {
                return false;
            }
            closed = true;
            changed.signalAll();
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }
}
