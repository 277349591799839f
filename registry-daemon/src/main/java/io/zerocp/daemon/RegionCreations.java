package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Verb;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Regions being made off the conductor. A creation is journaled and its quotas reserved on the conductor, its file
 * made by the {@link FileWorker} (reserving a GiB takes ~0.4 s here), and its askers answered on the conductor when
 * the file is ready: the conductor keeps serving everyone else meanwhile. A request for a name under way waits for
 * it too (answered with the same region, never a half-made one).
 * <p>
 * Bounds: creations under way as {@link CreationSlots} shares them out by uid, and {@value #MAX_WAITERS} askers per
 * creation; past them {@code ERROR: Too many requests}. An asker whose session ends meanwhile (kill -9, RELEASE, lease
 * expiry) gets no hold and is answered {@code ERROR: Not registered}; a region nobody alive waits for any more is
 * removed as soon as it is made.
 * <p>
 * A {@code DELETE} of a name being made cancels its creation ({@link #cancel}): its file is never handed out, its
 * askers get {@code ERROR: No such region}. Conductor thread only, apart from {@link Pending#work()}.
 */
final class RegionCreations
{
    private static final Logger LOG = LoggerFactory.getLogger(RegionCreations.class);
    static final int MAX_PENDING = CreationSlots.SHARED;
    static final int MAX_WAITERS = 64;
    private static final String NOBODY_WAITS = "nobody waits for it any more";

    /** One request waiting for a region being made. */
    static final class Waiter
    {
        final ClientAddress address;
        final Session session;
        final boolean descriptor;
        final boolean readOnly;
        final Verb verb;
        /** The grant whose quota holds a reservation for this waiter, or null. */
        TokenGrant reserved;
        long reservedBytes;
        long askedNs;

        Waiter(
            final ClientAddress address, final Session session, final boolean descriptor, final boolean readOnly,
            final Verb verb)
        {
            this.address = address;
            this.session = session;
            this.descriptor = descriptor;
            this.readOnly = readOnly;
            this.verb = verb;
        }
    }

    /** A creation under way: its region (journaled, not yet in the table), its askers, and the worker's result. */
    final class Pending implements FileWorker.Job
    {
        static final int QUEUED = 0;
        static final int RUNNING = 1;
        static final int WORKED = 2;

        final Region region;
        /** The kernel's uid of the sender that started it ({@link Session#UNKNOWN_UID}: not known): its slot's. */
        final int uid;
        final List<Waiter> waiters = new ArrayList<>(2);
        /** The addresses of the DELETEs that cancelled it, each answered when the region is gone. */
        final List<ClientAddress> deleters = new ArrayList<>(0);
        volatile int stage = QUEUED;
        /** Set by a DELETE on the conductor; a creation still queued then is never begun by the worker. */
        volatile boolean cancelled;
        private volatile Object fileKey;
        private volatile RegionException failure;

        Pending(final Region region, final int uid)
        {
            this.region = region;
            this.uid = uid;
        }

        boolean isWaiting(final ClientAddress address, final boolean descriptor, final boolean readOnly)
        {
            for (int i = 0, n = waiters.size(); i < n; i++)
            {
                final Waiter w = waiters.get(i);
                if (w.address.equals(address) && w.descriptor == descriptor && w.readOnly == readOnly)
                {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void work()
        {
            if (cancelled)
            {
                stage = WORKED; // deleted before the worker came to it: no file is made (fileKey stays null)
                return;
            }
            stage = RUNNING;
            try
            {
                fileKey = registry.makeFile(region);
            }
            catch (final RegionException ex)
            {
                failure = ex;
            }
            catch (final RuntimeException ex)
            {
                failure = new RegionException(ErrorReply.INTERNAL, "cannot create " + region.path + ": " + ex);
            }
            finally
            {
                stage = WORKED;
            }
        }

        @Override
        public void done()
        {
            finish(this);
        }
    }

    private final Registry registry;
    private final FileWorker worker;
    private final RegionRequests requests;
    private final DaemonCounters counters;
    private final NanoClock nanoClock;
    private final HashMap<NameKey, Pending> pending = new HashMap<>();
    private final CreationSlots<Pending> slots = new CreationSlots<>();
    private final ReplyBuffer deferredReply = new ReplyBuffer();
    private Transport transport;
    private long pendingBytes;
    /** Inline (stepped drivers): the request in hand, answered in its own reply buffer. */
    private Waiter inRequest;
    private ReplyBuffer inRequestReply;

    RegionCreations(
        final DaemonContext context, final Registry registry, final FileWorker worker, final RegionRequests requests)
    {
        this.registry = registry;
        this.worker = worker;
        this.requests = requests;
        this.counters = context.counters();
        this.nanoClock = context.nanoClock();
    }

    /** Where deferred replies go (the conductor's transport, once it exists). */
    void replyThrough(final Transport transport)
    {
        this.transport = transport;
    }

    Pending find(final NameKey key)
    {
        return pending.get(key);
    }

    /** @return whether a creation is under way (queued, being made, or made and not yet answered). */
    boolean underWay()
    {
        return !pending.isEmpty();
    }

    /** @return how many creations are under way. */
    int pendingCount()
    {
        return pending.size();
    }

    /** @return bytes of the creations under way (counted against {@code open-max-bytes}). */
    long pendingBytes()
    {
        return pendingBytes;
    }

    /**
     * Starts making {@code name}: journaled now, answered (through the transport) when its file is ready.
     *
     * @param ownerUid the uid the region counts for in the per-uid shares ({@link SenderSessions#limitedUid()}).
     * @param uid      the kernel's uid of the sender, whose slot it takes ({@link Session#UNKNOWN_UID}: not known).
     */
    void start(
        final String name,
        final long size,
        final int ownerUid,
        final Waiter first,
        final int uid,
        final ReplyBuffer reply)
    {
        if (!slots.hasRoomFor(uid))
        {
            refuse(reply);
            return;
        }
        final Region region;
        try
        {
            region = registry.beginCreate(name, size, ownerUid);
        }
        catch (final RegionException ex)
        {
            LOG.warn("cannot create region {}: {}", name, ex.getMessage());
            requests.error(reply, ex.reply());
            return;
        }
        if (requests.senders().lostChange())
        {
            registry.abortCreate(region); // not journaled: no file may be made for it
            requests.error(reply, ErrorReply.NOT_DURABLE);
            return;
        }
        final Pending creation = new Pending(region, uid);
        pending.put(region.key, creation);
        slots.take(uid);
        pendingBytes += size;
        add(creation, first);
        if (slots.waitsForTurn(uid, creation))
        {
            reply.defer(); // sent to the worker when the uid's creation before it is done: see submitNext
            return;
        }
        inRequest = first;
        inRequestReply = reply;
        try
        {
            if (!worker.submit(creation))
            {
                pending.remove(region.key);
                slots.give(uid);
                pendingBytes -= size;
                unreserve(first);
                registry.abortCreate(region);
                refuse(reply);
                return;
            }
        }
        finally
        {
            inRequest = null;
            inRequestReply = null;
        }
        if (pending.get(region.key) == creation)
        {
            reply.defer(); // on the worker: answered by finish()
        }
    }

    /**
     * A {@code DELETE} of a name being made. A creation still queued is never begun; one the worker is making is
     * finished, then removed (a reservation cannot be interrupted). The DELETE is answered once the removal is
     * journaled (a retry from the same address is one reply), so no one is sent the path of a file that is gone.
     */
    void cancel(final Pending creation, final ClientAddress deleter, final ReplyBuffer reply)
    {
        if (!creation.deleters.contains(deleter))
        {
            if (creation.deleters.size() >= MAX_WAITERS)
            {
                refuse(reply);
                return;
            }
            creation.deleters.add(deleter);
        }
        if (!creation.cancelled)
        {
            creation.cancelled = true;
            LOG.info("DELETE of region {} by an operator while it is being made: its creation is cancelled ({} " +
                "asker(s))", creation.region.name, creation.waiters.size());
        }
        reply.defer();
    }

    /** Adds an asker to a creation under way. */
    void join(final Pending creation, final Waiter waiter, final ReplyBuffer reply)
    {
        if (creation.waiters.size() >= MAX_WAITERS)
        {
            refuse(reply);
            return;
        }
        add(creation, waiter);
        reply.defer();
    }

    private void add(final Pending creation, final Waiter waiter)
    {
        waiter.askedNs = nanoClock.nanoTime();
        if (null != waiter.session && null != waiter.session.grant)
        {
            waiter.reserved = waiter.session.grant;
            waiter.reservedBytes = creation.region.size;
            registry.sessionBook().quotas().add(waiter.reserved, 1, waiter.reservedBytes);
        }
        creation.waiters.add(waiter);
    }

    private void unreserve(final Waiter waiter)
    {
        if (null != waiter.reserved)
        {
            registry.sessionBook().quotas().release(waiter.reserved, 1, waiter.reservedBytes);
            waiter.reserved = null;
        }
    }

    private void refuse(final ReplyBuffer reply)
    {
        counters.refused(RefusalLimit.CREATIONS);
        requests.error(reply, ErrorReply.TOO_MANY_REQUESTS);
    }

    /** The worker is done with a creation: the region joins the table and every asker is answered. */
    void finish(final Pending creation)
    {
        final Region region = creation.region;
        for (int i = 0, n = creation.waiters.size(); i < n; i++)
        {
            unreserve(creation.waiters.get(i));
        }
        pending.remove(region.key);
        slots.give(creation.uid);
        pendingBytes -= region.size;
        if (creation.cancelled)
        {
            finishCancelled(creation);
            submitNext(creation.uid);
            return;
        }
        final RegionException failure = creation.failure;
        if (null != failure)
        {
            LOG.warn("cannot create region {}: {}", region.name, failure.getMessage());
            registry.abortCreate(region);
        }
        else if (nobodyWaits(creation))
        {
            registry.discardMade(region, creation.fileKey, NOBODY_WAITS);
        }
        else
        {
            registry.finishCreate(region, creation.fileKey);
        }
        for (int i = 0, n = creation.waiters.size(); i < n; i++)
        {
            final Waiter w = creation.waiters.get(i);
            final boolean inline = w == inRequest;
            final ReplyBuffer reply = inline ? inRequestReply : deferredReply.clear();
            final long unrecordedBefore = registry.unrecordedChanges();
            if (null != failure)
            {
                requests.error(reply, failure.reply());
            }
            else if (null != w.session && w.session.ended)
            {
                requests.error(reply, ErrorReply.NOT_REGISTERED); // its session ended while it waited: no hold
            }
            else
            {
                requests.answer(region, w.session, w.descriptor, w.readOnly, reply, true);
                if (registry.unrecordedChanges() != unrecordedBefore)
                {
                    reply.clear();
                    requests.error(reply, ErrorReply.NOT_DURABLE);
                }
            }
            if (!inline)
            {
                counters.latency().record(w.verb, nanoClock.nanoTime() - w.askedNs);
                send(w.address, reply);
            }
        }
        submitNext(creation.uid);
    }

    /** Hands the worker the uid's next creation waiting for its turn; one it does not take fails at once. */
    private void submitNext(final int uid)
    {
        final Pending next = slots.nextTurn(uid);
        if (null != next && !worker.submit(next))
        {
            next.failure = new RegionException(ErrorReply.TOO_MANY_REQUESTS, "the file worker takes no more work");
            finish(next);
        }
    }

    /** A cancelled creation's end: its record and any file go, its askers get an error, its deleters their OK. */
    private void finishCancelled(final Pending creation)
    {
        final Region region = creation.region;
        final long unrecordedBefore = registry.unrecordedChanges();
        if (null == creation.fileKey)
        {
            registry.abortCreate(region); // never begun, or failed: there is no file
        }
        else
        {
            registry.discardMade(region, creation.fileKey, "an operator deleted it while it was being made");
        }
        final boolean durable = registry.unrecordedChanges() == unrecordedBefore;
        counters.regionDeleted();
        for (int i = 0, n = creation.waiters.size(); i < n; i++)
        {
            final Waiter w = creation.waiters.get(i);
            requests.error(deferredReply.clear(), ErrorReply.NO_SUCH_REGION); // deleted before it was ready
            counters.latency().record(w.verb, nanoClock.nanoTime() - w.askedNs);
            send(w.address, deferredReply);
        }
        for (int i = 0, n = creation.deleters.size(); i < n; i++)
        {
            if (durable)
            {
                deferredReply.clear().put(io.zerocp.api.Protocol.OK_BYTES);
            }
            else
            {
                requests.error(deferredReply.clear(), ErrorReply.NOT_DURABLE);
            }
            send(creation.deleters.get(i), deferredReply);
        }
    }

    private void send(final ClientAddress address, final ReplyBuffer reply)
    {
        if (null == transport || !transport.replyTo(address, reply))
        {
            counters.droppedReply();
        }
    }

    /** @return whether every asker had a session and each has ended (an asker without one cannot be told gone). */
    private static boolean nobodyWaits(final Pending creation)
    {
        for (int i = 0, n = creation.waiters.size(); i < n; i++)
        {
            final Session session = creation.waiters.get(i).session;
            if (null == session || !session.ended)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * At a stop, after the worker stopped: creations never answered are undone (record and file); one the worker is
     * still making is left to the next start (its record stays, and the restart completes or drops its file).
     */
    void abandonAll()
    {
        slots.clearTurns();
        for (final Pending creation : new ArrayList<>(pending.values()))
        {
            for (int i = 0, n = creation.waiters.size(); i < n; i++)
            {
                unreserve(creation.waiters.get(i));
            }
            if (creation.stage == Pending.RUNNING)
            {
                continue;
            }
            pending.remove(creation.region.key);
            slots.give(creation.uid);
            pendingBytes -= creation.region.size;
            if (creation.stage == Pending.WORKED && null == creation.failure && null != creation.fileKey)
            {
                registry.discardMade(creation.region, creation.fileKey, NOBODY_WAITS);
            }
            else
            {
                registry.abortCreate(creation.region);
            }
        }
    }
}
