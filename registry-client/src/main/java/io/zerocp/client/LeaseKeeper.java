package io.zerocp.client;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.nio.file.Paths;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's lease: registers it, renews it in the background at a third of the TTL the daemon grants, and
 * recovers it (registering again and re-taking every hold) when the lease lapsed or the daemon restarted without
 * its state. Holds no lock while waiting for the daemon except the connection's own, which every caller takes with
 * its own deadline; a renewal waits at most a third of the lease, so it never holds up a call for longer than that
 * call's timeout.
 * <p>
 * Each renewal also sends the releases the client still owes and checks that every held region's file is still the
 * one the daemon has under its name ({@link HoldKeeper}): a lost region is seen within one renewal interval without
 * any call from the user. The renewal thread never waits on the socket itself (the connection's I/O thread does), so
 * no interrupt of a user thread reaches it.
 */
final class LeaseKeeper implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final ClientSettings settings;
    private final DatagramConnection connection;
    private final HoldTable holds;
    private final String localName;
    private final long pid = ProcessHandle.current().pid();
    private final ScheduledExecutorService heartbeat;
    private final HoldKeeper keeper;
    /** One recovery at a time; others that saw the same lapse wait for it (with their deadline) and retry. */
    private final ReentrantLock recovery = new ReentrantLock();
    private volatile long leaseMs;
    private volatile long generation;
    private volatile boolean closed;
    private ScheduledFuture<?> renewal;
    private long renewalPeriodMs;

    LeaseKeeper(
        final ClientSettings settings, final DatagramConnection connection, final HoldTable holds,
        final String localName)
    {
        this.settings = settings;
        this.connection = connection;
        this.holds = holds;
        this.localName = localName;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "zerocp-lease-" + localName);
            t.setDaemon(true);
            return t;
        });
        this.keeper = new HoldKeeper(settings, connection, holds, heartbeat::execute);
    }

    HoldKeeper holdKeeper()
    {
        return keeper;
    }

    /** Sends the owed releases soon, on the lease thread (an acquire gave up while the daemon may grant it). */
    void releaseSoon()
    {
        try
        {
            heartbeat.execute(keeper::releasePending);
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            // closing: the bare RELEASE of close() gives everything back
        }
    }

    long leaseMs()
    {
        return leaseMs;
    }

    /** @return a number that changes with every registration, to tell whether a recovery happened since. */
    long generation()
    {
        return generation;
    }

    /** Authenticates if a token is set, registers, and starts renewing. */
    void register(final long deadline)
    {
        if (null != settings.token)
        {
            authenticate(connection, settings, deadline);
        }
        final String request = "REGISTER:process_id=" + pid;
        final String reply = Replies.expect(
            connection.exchangeBy(request, Replies::isLeaseOrError, deadline, settings.timeoutNs, settings.retries),
            request);
        onLease(Replies.leaseMs(reply, "REGISTER"));
        generation++;
    }

    static void authenticate(final DatagramConnection connection, final ClientSettings settings, final long deadline)
    {
        Replies.expect(connection.exchangeBy("AUTH:token=" + settings.token, Replies::isOkOrError, deadline,
            settings.timeoutNs, settings.retries), "AUTH:");
    }

    /** @return whether {@code reply} to a request says this client's lease (or authentication) is gone. */
    boolean lapsed(final String reply)
    {
        if (leaseMs <= 0 || !Protocol.isError(reply))
        {
            return false;
        }
        final ErrorReply error = ErrorReply.fromReply(reply);
        return error == ErrorReply.NOT_REGISTERED || (error == ErrorReply.UNAUTHORIZED && null != settings.token);
    }

    /**
     * Recovers the lease unless another thread did since {@code seenGeneration}.
     *
     * @return whether the caller should resend its request.
     */
    boolean recover(final long seenGeneration, final long deadline)
    {
        try
        {
            final long waitNs = deadline - System.nanoTime();
            if (waitNs <= 0 || !recovery.tryLock(waitNs, TimeUnit.NANOSECONDS))
            {
                return false;
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new RegistryInterruptedException("interrupted while waiting for the lease to be recovered", ex);
        }
        try
        {
            if (generation != seenGeneration)
            {
                return true;
            }
            recoverLocked(deadline);
            return true;
        }
        finally
        {
            recovery.unlock();
        }
    }

    /** The lease is gone: register again and take back every hold, so the user never sees it. */
    private void recoverLocked(final long deadline)
    {
        LOG.info("lease of {} lapsed; registering again and re-taking {} hold(s)", localName, holds.size());
        register(deadline);
        for (final HoldTable.Hold hold : holds.snapshot())
        {
            if (!keeper.checkFile(hold))
            {
                continue; // unlinked or replaced while the lease was lapsed: lost, and not made again by a re-take
            }
            final String request = RegionRequests.text(settings, hold.name, hold.size, hold.readOnly);
            final String reply = connection.exchangeBy(request, RegionRequests.answer(settings, connection,
                hold.name), deadline, settings.timeoutNs, settings.retries);
            final FileDescriptor extra = connection.takeDescriptor();
            Object fileKey = null;
            if (null != extra)
            {
                fileKey = FileIdentity.of(extra);
                DatagramConnection.closeDescriptor(extra); // this process already has the region mapped
            }
            if (Protocol.isError(reply))
            {
                final ErrorReply error = ErrorReply.fromReply(reply);
                if (transientRefusal(error))
                {
                    LOG.warn("could not re-take region {}: {}", hold.name, reply);
                }
                else
                {
                    keeper.lost(hold, error, "the daemon refused to hold it again after this client's lease " +
                        "lapsed (or the daemon lost its state): " + reply);
                }
                continue;
            }
            if (null == extra)
            {
                fileKey = FileIdentity.of(Paths.get(reply));
            }
            final Object before = holds.replaceFileKey(hold, fileKey);
            if (null != before && null != fileKey && !before.equals(fileKey))
            {
                // This client was the region's last holder and the daemon unlinked it while the lease was lapsed;
                // the name now stands for new memory that this process's mappings do not share.
                keeper.lost(hold, null, "region " + hold.name + " was re-created after this client's lease lapsed " +
                    "(or the daemon lost its state)");
            }
        }
    }

    /** @return whether a re-take refused with {@code error} may succeed later (the hold is then not given up). */
    private static boolean transientRefusal(final ErrorReply error)
    {
        return error == ErrorReply.TOO_MANY_REQUESTS || error == ErrorReply.NOT_DURABLE ||
            error == ErrorReply.INTERNAL || error == ErrorReply.TOO_MANY_SESSIONS || error == ErrorReply.NO_SPACE ||
            error == ErrorReply.NOT_REGISTERED || error == ErrorReply.UNAUTHORIZED || null == error;
    }

    /**
     * Renews at a third of the TTL. A daemon restarted with a shorter TTL would otherwise see this client's lease
     * lapse between renewals, again and again.
     */
    private synchronized void onLease(final long ms)
    {
        leaseMs = ms;
        final long period = Math.max(10, ms / 3);
        if (period != renewalPeriodMs && !heartbeat.isShutdown())
        {
            if (null != renewal)
            {
                renewal.cancel(false);
            }
            renewal = heartbeat.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
            renewalPeriodMs = period;
        }
    }

    private void renew()
    {
        if (closed)
        {
            return;
        }
        renewLease();
        keeper.checkFiles();
        keeper.releasePending();
    }

    private void renewLease()
    {
        final long seen = generation;
        // A renewal waits a third of the lease at most: the next one is due then anyway.
        final long timeoutNs = Math.min(settings.timeoutNs, TimeUnit.MILLISECONDS.toNanos(Math.max(10, leaseMs / 3)));
        try
        {
            final String reply = connection.exchange("RENEW", Replies::isLeaseOrError, timeoutNs, settings.retries);
            if (!Protocol.isError(reply))
            {
                onLease(Replies.leaseMs(reply, "RENEW"));
                return;
            }
            final ErrorReply error = ErrorReply.fromReply(reply);
            if (error == ErrorReply.NOT_REGISTERED || error == ErrorReply.UNAUTHORIZED)
            {
                recover(seen, System.nanoTime() + settings.timeoutNs);
            }
            else
            {
                LOG.warn("lease renewal refused: {}", reply);
            }
        }
        catch (final RegistryException ex)
        {
            LOG.debug("lease renewal failed, will retry: {}", ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("lease renewal failed", ex);
        }
    }

    /** Stops renewing and gives the lease back (bare {@code RELEASE}), waiting a second at most. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        heartbeat.shutdownNow();
        if (leaseMs > 0)
        {
            try
            {
                // An interrupted thread closing the client still gives everything back (and stays interrupted).
                final long timeoutNs = shortTimeoutNs(settings);
                connection.exchangeBy("RELEASE", Replies::isOkOrError, System.nanoTime() + timeoutNs, timeoutNs, 2,
                    false);
            }
            catch (final RegistryException ex)
            {
                LOG.debug("no answer to RELEASE on close: {}", ex.getMessage());
            }
        }
    }

    /** For requests that must not stall a close for the whole timeout while the daemon is away. */
    static long shortTimeoutNs(final ClientSettings settings)
    {
        return Math.min(settings.timeoutNs, TimeUnit.SECONDS.toNanos(1));
    }
}
