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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The client's bound datagram socket: one request out, one matching reply back, with retries and backoff until a
 * deadline. The protocol carries no request ids, so exchanges on the one socket are serialized here, by a lock that
 * every caller takes with its own deadline: a caller queued behind others (or behind the heartbeat) gives up when its
 * own timeout is up, never later.
 * <p>
 * Sends never block (a stalled daemon with a full queue must not hang the caller). The protocol carries no request
 * ids, so a late reply to an earlier attempt could be taken for the answer to a later request: queued datagrams are
 * drained before each send, and a reply must look like an answer to the request in hand to be accepted.
 */
final class DatagramConnection implements AutoCloseable
{
    private static final long FIRST_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NS = TimeUnit.SECONDS.toNanos(1);

    /** Returned by {@link #receiveNow()} for a datagram from anyone but the daemon. */
    private static final String NOT_FROM_DAEMON = new String("not from the daemon");

    private final AFUNIXSocketAddress daemon;
    private final Path daemonSocket;
    private final AFUNIXDatagramChannel channel;
    private final Selector selector;
    private final Path boundPath;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(Protocol.MAX_REQUEST_LENGTH + 1);
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(Protocol.MAX_REPLY_LENGTH + 1);
    private final ReentrantLock exchangeLock = new ReentrantLock();
    private final DaemonIdentity daemonIdentity;
    private FileDescriptor receivedDescriptor;
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
    }

    /**
     * Sends {@code request} and waits for a reply that {@code plausible} accepts, resending with backoff until the
     * deadline or the attempt limit.
     *
     * @return the reply text; a descriptor passed with it is available from {@link #takeDescriptor()} until the next
     * exchange (same thread: the caller holds no lock between, so take it at once).
     * @throws RegistryUnavailableException when no daemon answered in time.
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
        try
        {
            final long waitNs = deadline - System.nanoTime();
            if (waitNs <= 0 || !exchangeLock.tryLock(waitNs, TimeUnit.NANOSECONDS))
            {
                throw new RegistryUnavailableException("no zerocpd answered '" + Replies.printable(request) +
                    "' at " + daemon.getPath() + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) +
                    " ms (the socket was busy with other requests of this client all that time)", null);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while waiting for zerocpd", ex);
        }
        discardHandedOver();
        try
        {
            final String reply = exchangeLocked(request, plausible, deadline, timeoutNs, retries);
            handedOver.set(receivedDescriptor);
            receivedDescriptor = null;
            return reply;
        }
        finally
        {
            discardDescriptor();
            exchangeLock.unlock();
        }
    }

    private String exchangeLocked(
        final String request, final Predicate<String> plausible, final long deadline, final long timeoutNs,
        final int retries)
    {
        long backoff = FIRST_BACKOFF_NS;
        final SendRetry unsent = new SendRetry(daemonSocket, request, timeoutNs);
        discardDescriptor();
        drain();
        for (int attempt = 0; ; )
        {
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
                final String reply = receiveNow();
                if (NOT_FROM_DAEMON == reply)
                {
                    continue;
                }
                if (null != reply)
                {
                    daemonIdentity.checkSocketOwner();
                    final boolean descriptorMatches =
                        Protocol.isError(reply) || expectDescriptor == (null != receivedDescriptor);
                    if (descriptorMatches && plausible.test(reply))
                    {
                        return reply;
                    }
                    discardDescriptor(); // a late answer to an earlier request
                    continue;
                }
                final long remainingNs = until - System.nanoTime();
                if (remainingNs <= 0)
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

    private String receiveNow() throws IOException
    {
        receiveBuffer.clear();
        final AFUNIXSocketAddress from = channel.receive(receiveBuffer);
        if (null == from && receiveBuffer.position() == 0)
        {
            return null;
        }
        final FileDescriptor[] fds = channel.getReceivedFileDescriptors();
        discardDescriptor();
        if (!daemonIdentity.sentBy(from))
        {
            // Anyone on the host can send to this client's address (abstract names have no permissions), but only
            // the daemon can send from its socket paths.
            if (null != fds)
            {
                for (final FileDescriptor fd : fds)
                {
                    closeDescriptor(fd);
                }
            }
            return NOT_FROM_DAEMON;
        }
        if (null != fds && fds.length > 0)
        {
            receivedDescriptor = fds[0];
            for (int i = 1; i < fds.length; i++)
            {
                closeDescriptor(fds[i]);
            }
        }
        receiveBuffer.flip();
        final byte[] bytes = new byte[receiveBuffer.remaining()];
        receiveBuffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void drain()
    {
        try
        {
            while (null != receiveNow())
            {
                discardDescriptor();
            }
        }
        catch (final IOException ignore)
        {
            // nothing queued that we can read
        }
    }

    /** @return the uid zerocpd runs as: the configured one, else the current owner of its socket file. */
    int daemonUid()
    {
        return daemonIdentity.uid();
    }

    /**
     * @return whether the descriptor that came with the reply being checked is the file of region {@code name}, so a
     * late duplicate answer for another region is never taken for this one.
     */
    boolean descriptorIsRegion(final String name)
    {
        if (null == receivedDescriptor)
        {
            return false;
        }
        try
        {
            final int number = org.newsclub.net.unix.FileDescriptorCast.using(receivedDescriptor).as(Integer.class);
            final String target = java.nio.file.Files.readSymbolicLink(
                java.nio.file.Paths.get("/proc/self/fd/" + number)).toString();
            final String file = "/" + io.zerocp.api.Protocol.regionFileName(name);
            return target.endsWith(file) || target.endsWith(file + " (deleted)");
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
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

    private void discardDescriptor()
    {
        if (null != receivedDescriptor)
        {
            closeDescriptor(receivedDescriptor);
            receivedDescriptor = null;
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

    private static void sleepUntil(final long deadlineNs)
    {
        final long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
        if (ms > 0)
        {
            try
            {
                Thread.sleep(ms);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new RegistryException("interrupted while waiting for zerocpd", ex);
            }
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

    /** Closes the socket, after the exchange in progress (if any) ends or a second has passed. */
    @Override
    public void close()
    {
        boolean locked = false;
        try
        {
            locked = exchangeLock.tryLock(1, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        try
        {
            discardDescriptor();
            discardHandedOver();
            CloseHelper.quietCloseAll(selector, channel);
            deleteBoundPath();
        }
        finally
        {
            if (locked)
            {
                exchangeLock.unlock();
            }
        }
    }
}
