package io.zerocp.client;

import io.zerocp.api.Protocol;
import org.agrona.CloseHelper;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The client's bound datagram socket: one request out, one matching reply back, with retries and backoff until a
 * deadline. The protocol carries no request ids, so exchanges on the one socket are serialized here: callers queue
 * them for one I/O thread, the only thread that touches the channel, and each waits with its own deadline: a caller
 * queued behind others (or behind the heartbeat) gives up when its own timeout is up, never later.
 * <p>
 * Why a thread of its own: junixsocket's channel is an {@code InterruptibleChannel}. A caller interrupted inside a
 * channel operation (a {@code Future.cancel(true)}, an {@code ExecutorService.shutdownNow()}) would close the socket
 * every thread shares, for good. Clearing the interrupt around each operation leaves a window (an interrupt that
 * arrives inside it still closes the channel), and reopening the socket would lose the replies and descriptors queued
 * on it; a thread nobody else can interrupt has no such window. A caller waits on a latch, which an interrupt only
 * wakes: it throws {@link RegistryInterruptedException} and the exchange goes on without it (see {@link Exchange}).
 * The hand-over costs a thread wake-up (tens of microseconds) per request.
 * <p>
 * Sends never block (a stalled daemon with a full queue must not hang the caller). The protocol carries no request
 * ids, so a late reply to an earlier attempt could be taken for the answer to a later request: queued datagrams are
 * drained before each send, and a reply must look like an answer to the request in hand to be accepted.
 */
final class DatagramConnection implements AutoCloseable
{
    private static final long FIRST_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NS = TimeUnit.SECONDS.toNanos(1);


    private final AFUNIXSocketAddress daemon;
    private final Path daemonSocket;
    private final AFUNIXDatagramChannel channel;
    private final Selector selector;
    private final Path boundPath;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(Protocol.MAX_REQUEST_LENGTH + 1);
    private final ExchangeQueue queue = new ExchangeQueue();
    private final Thread ioThread;
    private final DaemonIdentity daemonIdentity;
    /** The I/O thread's. */
    private final ReplyReceiver receiver;
    /** The descriptor of each thread's last accepted reply, handed over when the socket lock is released. */
    private final ThreadLocal<FileDescriptor> handedOver = new ThreadLocal<>();

    DatagramConnection(final Path daemonSocket, final AFUNIXSocketAddress bindAddress, final Path boundPath)
        throws IOException
    {
        this(daemonSocket, bindAddress, boundPath, ClientSettings.SOCKET_OWNER);
    }

    /**
     * @param daemonUid the uid zerocpd runs as, or {@link ClientSettings#SOCKET_OWNER} to trust whoever owns the
     *                  socket file; replies from a socket file owned by another uid are refused.
     */
    DatagramConnection(
        final Path daemonSocket, final AFUNIXSocketAddress bindAddress, final Path boundPath, final int daemonUid)
        throws IOException
    {
        this.daemonIdentity = new DaemonIdentity(daemonSocket.toAbsolutePath().normalize(), daemonUid);
        this.daemonSocket = daemonSocket.toAbsolutePath().normalize();
        this.daemon = AFUNIXSocketAddress.of(this.daemonSocket);
        this.boundPath = boundPath;
        this.channel = AFUNIXDatagramChannel.open();
        this.receiver = new ReplyReceiver(channel, daemonIdentity);
        try
        {
            channel.bind(bindAddress); // an unbound client can send but never receive a reply
            channel.configureBlocking(false);
            // Without room for ancillary data the kernel silently drops passed descriptors.
            channel.ensureAncillaryReceiveBufferSize(256);
            selector = channel.provider().openSelector();
            channel.register(selector, SelectionKey.OP_READ);
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(channel);
            deleteBoundPath();
            throw ex;
        }
        ioThread = new Thread(this::runExchanges, "zerocp-io-" + bindAddress.getPath());
        ioThread.setDaemon(true);
        ioThread.start();
    }

    /**
     * Sends {@code request} and waits for a reply that {@code plausible} accepts, resending with backoff until the
     * deadline or the attempt limit.
     *
     * @return the reply text; a descriptor passed with it is available from {@link #takeDescriptor()} until the next
     * exchange (same thread: the caller holds no lock between, so take it at once).
     * @throws RegistryUnavailableException when no daemon answered in time.
     * @throws RegistryInterruptedException when the calling thread was interrupted before or while it waited.
     * @throws ClientClosedException        when the connection is closed.
     */
    String exchange(final String request, final Predicate<String> plausible, final long timeoutNs, final int retries)
    {
        return exchangeBy(request, plausible, System.nanoTime() + timeoutNs, timeoutNs, retries);
    }

    /** As {@link #exchange}, with an absolute {@link System#nanoTime()} deadline shared by several exchanges. */
    String exchangeBy(
        final String request, final Predicate<String> plausible, final long deadline, final long timeoutNs,
        final int retries)
    {
        return exchangeBy(request, plausible, deadline, timeoutNs, retries, true);
    }

    /**
     * @param interruptible false for a release sent by a close: an interrupted thread still sends it and waits for
     *                      it (its timeout is short), and its interrupt status stays set.
     */
    String exchangeBy(
        final String request, final Predicate<String> plausible, final long deadline, final long timeoutNs,
        final int retries, final boolean interruptible)
    {
        if (interruptible && Thread.currentThread().isInterrupted())
        {
            discardHandedOver();
            throw new RegistryInterruptedException("interrupted before sending '" + Replies.printable(request) +
                "' (nothing was sent; the client stays usable)", null);
        }
        return await(submit(request, plausible, deadline, timeoutNs, retries), interruptible);
    }

    /**
     * Queues an exchange without waiting: what is submitted goes out in submission order, so a caller that decides
     * under its own lock whether to send something (a release) and submits it under that lock orders it against
     * every request submitted after the lock.
     *
     * @throws ClientClosedException when the connection is closed.
     */
    Exchange submit(
        final String request, final Predicate<String> plausible, final long deadline, final long timeoutNs,
        final int retries)
    {
        final Exchange exchange = new Exchange(request, plausible, deadline, timeoutNs, retries);
        queue.submit(exchange);
        return exchange;
    }

    /** Waits for a {@link #submit}ted exchange; as {@link #exchangeBy}. */
    String await(final Exchange exchange, final boolean interruptible)
    {
        discardHandedOver();
        final String reply = exchange.await(interruptible, daemon.getPath());
        handedOver.set(exchange.descriptor());
        return reply;
    }

    /**
     * The I/O thread: the only thread that ever touches the channel, so no interrupt of a caller can close it.
     * Nobody holds a reference to it to interrupt it; should something interrupt it anyway, the status is cleared
     * before each exchange (an exchange in progress may fail, the socket may not).
     */
    private void runExchanges()
    {
        while (true)
        {
            final Exchange exchange = queue.next();
            if (null == exchange)
            {
                return;
            }
            if (!exchange.start())
            {
                continue; // its caller gave up while it was queued: never sent
            }
            Thread.interrupted();
            String reply = null;
            FileDescriptor descriptor = null;
            RuntimeException failure = null;
            try
            {
                if (System.nanoTime() - exchange.deadline >= 0)
                {
                    throw new RegistryUnavailableException("no zerocpd answered '" +
                        Replies.printable(exchange.request) + "' at " + daemon.getPath() + " within " +
                        TimeUnit.NANOSECONDS.toMillis(exchange.timeoutNs) + " ms (the socket was busy with other " +
                        "requests of this client all that time)", null);
                }
                reply = exchangeLocked(exchange.request, exchange.plausible, exchange.deadline, exchange.timeoutNs,
                    exchange.retries);
                descriptor = receiver.take();
            }
            catch (final RuntimeException ex)
            {
                failure = queue.isClosed() ? new ClientClosedException("the client was closed while '" +
                    Replies.printable(exchange.request) + "' waited for an answer") : ex;
            }
            catch (final Error ex)
            {
                // Its caller must not wait for ever, and the thread must go on serving the others.
                failure = new RegistryException("'" + Replies.printable(exchange.request) + "' failed: " + ex, ex);
            }
            finally
            {
                receiver.discard();
            }
            exchange.complete(reply, descriptor, failure);
        }
    }

    private String exchangeLocked(
        final String request, final Predicate<String> plausible, final long deadline, final long timeoutNs,
        final int retries)
    {
        long backoff = FIRST_BACKOFF_NS;
        final SendRetry unsent = new SendRetry(daemonSocket, request, timeoutNs);
        receiver.discard();
        receiver.drain();
        for (int attempt = 0; ; )
        {
            checkNotClosed();
            boolean sent = false;
            try
            {
                sent = send(request);
                if (!sent)
                {
                    unsent.queueFull();
                }
            }
            catch (final IOException ex)
            {
                unsent.down(ex); // no socket file, or nobody bound to it: the daemon is down or restarting
            }
            if (!sent)
            {
                // Not a resend (nothing went out): try again soon, within the deadline, however many times fit.
                sleepUntil(Math.min(deadline, System.nanoTime() + unsent.nextPauseNs()));
                if (System.nanoTime() - deadline >= 0)
                {
                    throw unsent.failure();
                }
                continue;
            }

            // The last attempt waits out the whole timeout; earlier ones only their backoff before resending.
            final long waitUntil = attempt >= retries ? deadline : Math.min(deadline, System.nanoTime() + backoff);
            final String reply = awaitReply(plausible, request.startsWith("GET_SHM_FD"), waitUntil);
            if (null != reply)
            {
                return reply;
            }
            if (System.nanoTime() - deadline >= 0 || attempt >= retries)
            {
                throw new RegistryUnavailableException("no zerocpd answered '" + Replies.printable(request) +
                    "' at " + daemon.getPath() + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (" +
                    (attempt + 1) + " attempt(s)" + unsent.history() + ")", unsent.lastFailure());
            }
            attempt++;
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NS);
        }
    }

    private boolean send(final String request) throws IOException
    {
        sendBuffer.clear();
        sendBuffer.put(request.getBytes(StandardCharsets.US_ASCII)).flip();
        return channel.send(sendBuffer, daemon) > 0;
    }

    /**
     * @param expectDescriptor whether the answer carries a descriptor: a reply that does not match is a late answer
     *                         to another request (a {@code GET_SHM_FD} size and a {@code GET_SHM_SIZE} look alike).
     */
    private String awaitReply(final Predicate<String> plausible, final boolean expectDescriptor, final long until)
    {
        try
        {
            while (true)
            {
                final String reply = receiver.receive();
                if (ReplyReceiver.NOT_FROM_DAEMON == reply)
                {
                    continue;
                }
                if (null != reply)
                {
                    daemonIdentity.checkSocketOwner();
                    final boolean descriptorMatches =
                        Protocol.isError(reply) || expectDescriptor == receiver.hasDescriptor();
                    if (descriptorMatches && plausible.test(reply))
                    {
                        return reply;
                    }
                    receiver.discard(); // a late answer to an earlier request
                    continue;
                }
                final long remainingNs = until - System.nanoTime();
                if (remainingNs <= 0 || queue.isClosed())
                {
                    return null;
                }
                // select(0) would wait for ever: round up to a whole millisecond.
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNs + 999_999)));
                selector.selectedKeys().clear();
            }
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /** @return the uid zerocpd runs as: the configured one, else the current owner of its socket file. */
    int daemonUid()
    {
        return daemonIdentity.uid();
    }

    /** @see ReplyReceiver#descriptorIsRegion */
    boolean descriptorIsRegion(final String name)
    {
        return receiver.descriptorIsRegion(name);
    }

    /**
     * @return the descriptor that came with this thread's last accepted reply (caller owns it), or {@code null}.
     */
    FileDescriptor takeDescriptor()
    {
        final FileDescriptor fd = handedOver.get();
        handedOver.remove();
        return fd;
    }

    private void discardHandedOver()
    {
        final FileDescriptor stale = takeDescriptor();
        if (null != stale)
        {
            closeDescriptor(stale);
        }
    }

    /**
     * Closes a received descriptor. Closing the {@code FileChannel} that {@code FileDescriptorCast} makes of it does
     * not close the descriptor (measured: one leaked fd per message); a {@code FileInputStream} over it does.
     */
    static void closeDescriptor(final FileDescriptor fd)
    {
        try
        {
            new FileInputStream(fd).close();
        }
        catch (final IOException ignore)
        {
            // already closed
        }
    }

    /** The I/O thread's pause before a send is tried again; only a close cuts it short. */
    private void sleepUntil(final long deadlineNs)
    {
        final long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
        if (ms > 0)
        {
            queue.pause(ms);
        }
        checkNotClosed();
    }

    private void checkNotClosed()
    {
        if (queue.isClosed())
        {
            throw new ClientClosedException("the client was closed");
        }
    }

    private void deleteBoundPath()
    {
        if (null != boundPath)
        {
            try
            {
                Files.deleteIfExists(boundPath);
            }
            catch (final IOException ignore)
            {
                // a temp socket file; nothing else to do
            }
        }
    }

    /**
     * Closes the socket, after the exchange in progress (if any) ends or a second has passed; exchanges still queued
     * fail with {@link ClientClosedException}. Safe to call twice.
     */
    @Override
    public void close()
    {
        if (!queue.close())
        {
            return;
        }
        selector.wakeup(); // an exchange in progress stops at once
        boolean interrupted = false;
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (ioThread.isAlive() && System.nanoTime() - until < 0 && Thread.currentThread() != ioThread)
        {
            try
            {
                ioThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
            }
            catch (final InterruptedException ex)
            {
                interrupted = true; // a close finishes; the interrupt is kept for the caller
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        discardHandedOver();
        CloseHelper.quietCloseAll(selector, channel);
        deleteBoundPath();
    }
}
