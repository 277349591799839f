package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import io.zerocp.api.Request;
import io.zerocp.api.Verb;

/**
 * {@code GET_SHM_PATH}, {@code GET_SHM_FD} and {@code GET_SHM_SIZE}: the sender's rights on the name, then the
 * region as it is, or a creation handed to {@link RegionCreations} (answered when the file is ready), or a wait on
 * the creation of the same name already under way. Conductor thread only; a request for an existing region
 * allocates nothing.
 */
final class RegionRequests
{
    private final DaemonConfig config;
    private final Registry registry;
    private final SenderSessions senders;
    private final DaemonCounters counters;
    private final RegionDescriptors descriptors;
    private final RegionCreations creations;
    private final long openMaxBytes;
    private final NameKey lookupKey = NameKey.flyweight();
    private final NameKey defaultKey = NameKey.of(Protocol.DEFAULT_REGION_NAME);

    RegionRequests(
        final DaemonContext context, final Registry registry, final SenderSessions senders, final FileWorker worker)
    {
        this.config = context.config();
        this.registry = registry;
        this.senders = senders;
        this.counters = context.counters();
        this.openMaxBytes = context.openMaxBytes();
        this.descriptors = registry.descriptors();
        this.creations = new RegionCreations(context, registry, worker, this);
    }

    RegionCreations creations()
    {
        return creations;
    }

    private NameKey keyOf(final Request request)
    {
        return request.hasName() ?
            lookupKey.wrap(request.buffer(), request.nameOffset(), request.nameLength()) : defaultKey;
    }

    void onGetRegion(
        final Request request, final Verb verb, final Session existing, final ReplyBuffer reply,
        final boolean descriptor)
    {
        final NameKey key = keyOf(request);
        final long size = request.size();
        if (size > config.maxRegionSize)
        {
            counters.refused(RefusalLimit.MAX_REGION_SIZE);
            senders.error(reply, ErrorReply.INVALID_ARGUMENT);
            return;
        }

        Session session = existing;
        final TokenGrant grant = senders.grantOf(session);
        if (grant.readOnly && (!descriptor || !request.readOnly()))
        {
            senders.error(reply, ErrorReply.FORBIDDEN); // read-only rights are enforceable only on a read-only descriptor
            return;
        }
        final Region region = registry.find(key);
        if (null == region)
        {
            onAbsent(key, size, request, verb, session, grant, reply, descriptor);
            return;
        }
        if (!grant.allows(region.name) || (!descriptor && region.isPrivate))
        {
            senders.error(reply, ErrorReply.FORBIDDEN);
            return;
        }
        if (size != Request.ABSENT && size != region.size)
        {
            senders.error(reply, ErrorReply.SIZE_MISMATCH);
            return;
        }
        if (null == session && senders.sender().hasKernelCredentials() && !region.isStatic)
        {
            // A client that never registered still holds what it asks for, for as long as its process lives: the
            // seed's C client, socat and python get crash cleanup too.
            session = senders.startSession(true, reply);
            if (null == session)
            {
                return;
            }
        }
        answer(region, session, descriptor, request.readOnly(), reply);
    }

    /** A name with no region: wait for its creation under way, or start one. */
    private void onAbsent(
        final NameKey key, final long size, final Request request, final Verb verb, final Session existing,
        final TokenGrant grant, final ReplyBuffer reply, final boolean descriptor)
    {
        final RegionCreations.Pending pending = creations.find(key);
        final String name = null != pending ? pending.region.name : key.toString();
        // A private name asked for by path is refused before anything is created: a region made for a refused
        // request would have no holder, so it would never be reaped nor count against any quota.
        if (!grant.allows(name) || (!descriptor && registry.isPrivate(name)))
        {
            senders.error(reply, ErrorReply.FORBIDDEN);
            return;
        }
        if (null != pending && pending.isWaiting(senders.sender().senderKey(), descriptor, request.readOnly()))
        {
            reply.defer(); // a retry of a request already waiting: its one reply comes when the region is ready
            return;
        }
        if (null != pending && pending.cancelled)
        {
            // Deleted while being made: the name is free again once the cancelled creation is undone.
            counters.refused(RefusalLimit.CREATIONS);
            senders.error(reply, ErrorReply.TOO_MANY_REQUESTS);
            return;
        }
        if (null == pending && !grant.mayCreate)
        {
            senders.error(reply, ErrorReply.NO_SUCH_REGION);
            return;
        }
        if (null != pending && size != Request.ABSENT && size != pending.region.size)
        {
            senders.error(reply, ErrorReply.SIZE_MISMATCH);
            return;
        }
        final long createSize = null != pending ? pending.region.size :
            size == Request.ABSENT ? config.defaultRegionSize : size;
        Session session = existing;
        if (null == session && senders.sender().hasKernelCredentials())
        {
            session = senders.startSession(true, reply); // a client that never registered: see onGetRegion
            if (null == session)
            {
                return;
            }
        }
        if (null == pending && createSize > grant.maxRegionSize)
        {
            counters.refused(RefusalLimit.TOKEN_REGION_SIZE);
            senders.error(reply, ErrorReply.QUOTA_EXCEEDED);
            return;
        }
        // Quotas count the creations under way (reserved when asked for), so two big ones cannot overcommit.
        if (null != session && !registry.withinQuota(session, createSize))
        {
            counters.refused(RefusalLimit.TOKEN_QUOTA);
            senders.error(reply, ErrorReply.QUOTA_EXCEEDED);
            return;
        }
        if (null == pending && grant == TokenGrant.OPEN &&
            registry.dynamicBytes() + creations.pendingBytes() + createSize > openMaxBytes)
        {
            counters.refused(RefusalLimit.OPEN_MAX_BYTES); // auth off: all dynamic regions share one cap
            senders.error(reply, ErrorReply.QUOTA_EXCEEDED);
            return;
        }
        if (null == pending && null == session &&
            registry.shares().unheldRegions() + creations.pendingCount() >= config.maxUnheldRegions)
        {
            // Nobody would hold it, so nothing would ever reap it (JDK 17: no session without REGISTER).
            counters.refused(RefusalLimit.UNHELD_REGIONS);
            senders.error(reply, ErrorReply.QUOTA_EXCEEDED);
            return;
        }
        if (null == pending && !senders.mayMakeRegion(reply))
        {
            return;
        }
        if (!senders.canRecordChange(reply))
        {
            return;
        }
        final RegionCreations.Waiter waiter = new RegionCreations.Waiter(senders.sender().senderKey(), session,
            descriptor, request.readOnly(), verb);
        if (null == pending)
        {
            final Sender sender = senders.sender();
            creations.start(name, createSize, senders.limitedUid(), waiter,
                sender.hasKernelUid() ? sender.senderUid() : Session.UNKNOWN_UID, reply);
        }
        else
        {
            creations.join(pending, waiter, reply);
        }
    }

    /**
     * Answers with a region that exists: a hold for the session (within its quota, journaled), then the path, or
     * the size with the region's descriptor attached.
     */
    void answer(
        final Region region, final Session session, final boolean descriptor, final boolean readOnly,
        final ReplyBuffer reply)
    {
        answer(region, session, descriptor, readOnly, reply, false);
    }

    /**
     * @param waited whether it waited for the region to be made: its uid's share was checked when it asked (as its
     *               token quota was reserved then), so a region made for it is not left without its hold.
     */
    void answer(
        final Region region, final Session session, final boolean descriptor, final boolean readOnly,
        final ReplyBuffer reply, final boolean waited)
    {
        if (null != session && !session.holds.contains(region))
        {
            if (!registry.withinQuota(session, region.size))
            {
                counters.refused(RefusalLimit.TOKEN_QUOTA);
                senders.error(reply, ErrorReply.QUOTA_EXCEEDED);
                return;
            }
            if (!senders.canRecordChangeFor(waited ? null : session, reply))
            {
                return;
            }
            registry.hold(session, region);
        }

        if (descriptor)
        {
            final ErrorReply failed = descriptors.attach(region, readOnly, reply);
            if (null != failed)
            {
                senders.error(reply, failed);
                return;
            }
            reply.put(region.sizeReply);
        }
        else
        {
            reply.put(region.pathReply);
        }
    }

    /**
     * {@code DELETE} (the sender may administer) of a name whose region is being made: cancels the creation, answered
     * when the region is gone ({@link RegionCreations#cancel}).
     *
     * @return whether the name was being made (else the DELETE is for the table).
     */
    boolean onDeleteUnderWay(final Request request, final ReplyBuffer reply)
    {
        final RegionCreations.Pending pending = request.hasName() ? creations.find(keyOf(request)) : null;
        if (null == pending)
        {
            return false;
        }
        creations.cancel(pending, senders.sender().senderKey(), reply);
        return true;
    }

    void onGetSize(final Request request, final Session session, final ReplyBuffer reply)
    {
        final NameKey key = keyOf(request);
        final Region region = registry.find(key);
        // Forbidden whether or not the region exists, so a token learns nothing about names it may not see.
        if (!senders.grantOf(session).allows(null == region ? key.toString() : region.name))
        {
            senders.error(reply, ErrorReply.FORBIDDEN);
            return;
        }
        if (null == region)
        {
            senders.error(reply, ErrorReply.NO_SUCH_REGION);
            return;
        }
        reply.put(region.sizeReply);
    }

    void error(final ReplyBuffer reply, final ErrorReply error)
    {
        senders.error(reply, error);
    }

    SenderSessions senders()
    {
        return senders;
    }
}
