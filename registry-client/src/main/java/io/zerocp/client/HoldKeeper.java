package io.zerocp.client;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Keeps the daemon's view of this client's holds and the client's own in step: sends the releases the client owes
 * (retrying those that did not get through, so a close while the daemon is paused or busy never leaks a hold), and
 * finds regions the daemon no longer holds for this client (deleted, unlinked after a lapse, re-created as another
 * file, refused on re-take), marks them lost and tells the {@link RegionLostHandler}.
 * <p>
 * Thread contract: {@link #release} runs on any thread (a region's close); {@link #releasePending} and
 * {@link #checkFiles} on the lease thread, once per renewal; {@link #lost} on whichever thread finds the loss, and
 * the handler always on the lease thread (through {@code leaseThread}). No lock is held while waiting for the daemon.
 */
final class HoldKeeper
{
    private static final Logger LOG = LoggerFactory.getLogger(HoldKeeper.class);

    private final ClientSettings settings;
    private final DatagramConnection connection;
    private final HoldTable holds;
    private final Executor leaseThread;

    HoldKeeper(
        final ClientSettings settings, final DatagramConnection connection, final HoldTable holds,
        final Executor leaseThread)
    {
        this.settings = settings;
        this.connection = connection;
        this.holds = holds;
        this.leaseThread = leaseThread;
    }

    /**
     * Sends {@code RELEASE:<name>} if the name still owes one and is neither held again nor being acquired, and
     * waits for the answer (short timeout; an interrupt does not stop it and stays set). A release that does not get
     * through stays owed and is sent again at the next renewal, and so does one the daemon refused for now
     * ({@code ERROR: Not durable}).
     *
     * @return false when the daemon did not answer (the rest of what is owed waits for the next renewal too).
     */
    boolean release(final String name)
    {
        final Exchange exchange;
        final long timeoutNs = LeaseKeeper.shortTimeoutNs(settings);
        synchronized (holds)
        {
            // Decided and queued under the table's lock: an acquire of the name that starts after this is queued
            // behind the release, so the daemon never sees a release after a re-take it did not mean.
            if (!holds.releasable(name))
            {
                return true;
            }
            try
            {
                exchange = connection.submit("RELEASE:" + name, Replies::isOkOrError, System.nanoTime() + timeoutNs,
                    timeoutNs, 2);
            }
            catch (final ClientClosedException ex)
            {
                return false;
            }
        }
        try
        {
            final String reply = connection.await(exchange, false);
            final ErrorReply error = Protocol.isError(reply) ? ErrorReply.fromReply(reply) : null;
            if (null == error || error == ErrorReply.NOT_REGISTERED || error == ErrorReply.UNAUTHORIZED)
            {
                holds.released(name); // OK, or no session: nothing is held for this client any more
                return true;
            }
            LOG.debug("release of {} refused for now, will retry: {}", name, reply);
            return true; // answered: the daemon is there, the other names may go through
        }
        catch (final RegistryException ex)
        {
            LOG.debug("release of {} did not get through, will retry: {}", name, ex.getMessage());
        }
        return false;
    }

    /** Sends every owed release (lease thread), stopping at the first that gets no answer. */
    void releasePending()
    {
        for (final String name : holds.pendingReleases())
        {
            if (!release(name))
            {
                return; // the daemon is away: the rest waits for the next renewal too
            }
        }
    }

    /**
     * Compares each held region's file with the file at its path now: gone (deleted, or unlinked after the lease
     * lapsed) or another file (re-created since) means the daemon's region for the name is not this mapping.
     */
    void checkFiles()
    {
        for (final HoldTable.Hold hold : holds.snapshot())
        {
            checkFile(hold);
        }
    }

    /** @return whether {@code hold}'s file is still the one at its path (true when that cannot be told). */
    boolean checkFile(final HoldTable.Hold hold)
    {
        if (null == hold.file || null == hold.fileKey || hold.lost)
        {
            return !hold.lost;
        }
        final Object now = FileIdentity.now(hold.file);
        if (FileIdentity.GONE == now)
        {
            lost(hold, null, "its file " + hold.file + " was unlinked (an operator deleted it, or this client's " +
                "lease lapsed and the daemon reaped it)");
            return false;
        }
        if (null != now && !now.equals(hold.fileKey))
        {
            lost(hold, null, "the file at " + hold.file + " is another file now (the region was deleted or " +
                "reaped and made again)");
            return false;
        }
        return true;
    }

    /**
     * Marks {@code hold} lost (once), releases what the daemon may hold under its name, and tells the handler on the
     * lease thread.
     */
    void lost(final HoldTable.Hold hold, final ErrorReply error, final String why)
    {
        if (!holds.markLost(hold))
        {
            return;
        }
        final RegionLostException reason = new RegionLostException(error, "region " + hold.name +
            " is lost: " + why + ". This process's mapping is no longer shared with processes that acquire the " +
            "name from now on; close it and acquire the region again");
        LOG.error(reason.getMessage());
        try
        {
            leaseThread.execute(() ->
            {
                releasePending();
                final RegionLostHandler handler = settings.regionLostHandler;
                if (null != handler)
                {
                    try
                    {
                        handler.onRegionLost(hold.name, reason);
                    }
                    catch (final RuntimeException | Error ex)
                    {
                        LOG.error("the region-lost handler failed for region {}", hold.name, ex);
                    }
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            LOG.debug("client closing: region-lost handler not called for {}", hold.name);
        }
    }

    /** @return the exception for a daemon-bound operation on a lost region. */
    static RegionLostException lostException(final String name)
    {
        return new RegionLostException(null, "region " + name + " is lost: the daemon no longer holds this " +
            "mapping's file for this client; close it and acquire the region again");
    }
}
