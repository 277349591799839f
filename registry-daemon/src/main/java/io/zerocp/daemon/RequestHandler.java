package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import io.zerocp.api.Request;
import io.zerocp.api.RequestParser;
import io.zerocp.api.Verb;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Turns one request datagram into one reply: parse, check the sender's rights, act on the registry, write the reply.
 * Conductor thread only. The common requests (PING, GET_SHM_PATH/SIZE of an existing region) allocate nothing.
 */
final class RequestHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
    private static final byte[] LEASE_REPLY_PREFIX = Protocol.LEASE_REPLY_PREFIX.getBytes(StandardCharsets.US_ASCII);

    private final DaemonConfig config;
    private final Registry registry;
    private final AccessPolicy access;
    private final AuthThrottle throttle;
    private final ProcessProbe probe;
    private final DaemonCounters counters;
    private final AdminRequests admin;
    private final RegionDescriptors descriptors;
    private final long openMaxBytes;
    private final Request request = new Request();
    private final NameKey lookupKey = NameKey.flyweight();
    private final NameKey defaultKey = NameKey.of(Protocol.DEFAULT_REGION_NAME);

    RequestHandler(final DaemonContext context, final Registry registry, final AccessPolicy access)
    {
        this.config = context.config();
        this.registry = registry;
        this.access = access;
        this.throttle = new AuthThrottle(context.nanoClock(), config.authFailuresPerSender, config.authFailuresGlobal,
            config.authFailureWindowMs);
        this.probe = context.probe();
        this.counters = context.counters();
        this.admin = new AdminRequests(registry, counters, context.epochClock());
        this.descriptors = new RegionDescriptors();
        this.openMaxBytes = context.openMaxBytes();
    }

    /**
     * @param bytes  the datagram; {@code length > MAX_REQUEST_LENGTH} means it was too long (and maybe truncated).
     * @param sender the sender's address.
     * @param reply  cleared buffer to write the reply into.
     */
    void onRequest(final byte[] bytes, final int length, final ClientAddress sender, final ReplyBuffer reply)
    {
        final long unrecordedBefore = registry.unrecordedChanges();
        handle(bytes, length, sender, reply);
        if (registry.unrecordedChanges() != unrecordedBefore)
        {
            // A change this request made could not be journaled: a restart would not know it, so it is no OK.
            reply.clear();
            error(reply, ErrorReply.NOT_DURABLE);
        }
    }

    private void handle(final byte[] bytes, final int length, final ClientAddress sender, final ReplyBuffer reply)
    {
        if (length > Protocol.MAX_REQUEST_LENGTH)
        {
            counters.request(null);
            // An unauthenticated sender gets nothing but PONG or Unauthorized, not even the size limit.
            error(reply, access.enabled() && !isAuthenticated(registry.leases().find(sender)) ?
                ErrorReply.UNAUTHORIZED : ErrorReply.MESSAGE_TOO_LONG);
            return;
        }

        RequestParser.parse(bytes, length, request);
        final Verb verb = request.verb();
        counters.request(verb);

        final Session session = registry.leases().find(sender);
        final boolean authenticated = !access.enabled() || isAuthenticated(session);
        if (null != session && authenticated)
        {
            // Only an authenticated request renews: a session whose token was revoked must run out.
            registry.leases().touch(session);
        }

        if (!authenticated && verb != Verb.PING && verb != Verb.AUTH)
        {
            // Checked before the parse result so an unauthenticated sender learns nothing, not even the grammar.
            error(reply, ErrorReply.UNAUTHORIZED);
            return;
        }

        if (!request.isValid())
        {
            error(reply, request.error());
            return;
        }

        switch (verb)
        {
            case PING:
                reply.put(Protocol.PONG_BYTES);
                break;
            case GET_SHM_PATH:
                onGetRegion(session, reply, false);
                break;
            case GET_SHM_FD:
                onGetRegion(session, reply, true);
                break;
            case GET_SHM_SIZE:
                onGetSize(session, reply);
                break;
            case REGISTER:
                onRegister(sender, session, reply);
                break;
            case RENEW:
                if (null == session)
                {
                    error(reply, ErrorReply.NOT_REGISTERED);
                }
                else
                {
                    reply.put(LEASE_REPLY_PREFIX).put(registry.leases().ttlMs());
                }
                break;
            case RELEASE:
                onRelease(session, reply);
                break;
            case AUTH:
                onAuth(sender, session, reply);
                break;
            default:
                onAdmin(verb, session, reply);
                break;
        }
    }

    private void onGetRegion(final Session session, final ReplyBuffer reply, final boolean descriptor)
    {
        final NameKey key = request.hasName() ?
            lookupKey.wrap(request.buffer(), request.nameOffset(), request.nameLength()) : defaultKey;
        final long size = request.size();
        if (size > config.maxRegionSize)
        {
            error(reply, ErrorReply.INVALID_ARGUMENT);
            return;
        }

        final TokenGrant grant = grantOf(session);
        Region region = registry.find(key);
        if (null != region)
        {
            if (!grant.allows(region.name) || (!descriptor && region.isPrivate))
            {
                error(reply, ErrorReply.FORBIDDEN);
                return;
            }
            if (size != Request.ABSENT && size != region.size)
            {
                error(reply, ErrorReply.SIZE_MISMATCH);
                return;
            }
        }
        else
        {
            final String name = key.toString();
            // A private name asked for by path is refused before anything is created: a region made for a refused
            // request would have no holder, so it would never be reaped nor count against any quota.
            if (!grant.allows(name) || (!descriptor && registry.isPrivate(name)))
            {
                error(reply, ErrorReply.FORBIDDEN);
                return;
            }
            if (!grant.mayCreate)
            {
                error(reply, ErrorReply.NO_SUCH_REGION);
                return;
            }
            final long createSize = size == Request.ABSENT ? config.defaultRegionSize : size;
            if (createSize > grant.maxRegionSize || (null != session && !registry.withinQuota(session, createSize)) ||
                (grant == TokenGrant.OPEN && registry.dynamicBytes() + createSize > openMaxBytes))
            {
                error(reply, ErrorReply.QUOTA_EXCEEDED);
                return;
            }
            if (!canRecordChange(reply))
            {
                return;
            }
            try
            {
                region = registry.create(name, createSize);
            }
            catch (final RegionException ex)
            {
                LOG.warn("cannot create region {}: {}", name, ex.getMessage());
                error(reply, ex.reply());
                return;
            }
        }

        if (null != session && !session.holds.contains(region))
        {
            if (!registry.withinQuota(session, region.size))
            {
                error(reply, ErrorReply.QUOTA_EXCEEDED);
                return;
            }
            if (!canRecordChange(reply))
            {
                return;
            }
            registry.hold(session, region);
        }

        if (descriptor)
        {
            if (!descriptors.attach(region, request.readOnly(), reply))
            {
                error(reply, ErrorReply.INTERNAL);
                return;
            }
            reply.put(region.sizeReply);
        }
        else
        {
            reply.put(region.pathReply);
        }
    }

    private void onGetSize(final Session session, final ReplyBuffer reply)
    {
        final NameKey key = request.hasName() ?
            lookupKey.wrap(request.buffer(), request.nameOffset(), request.nameLength()) : defaultKey;
        final Region region = registry.find(key);
        // Forbidden whether or not the region exists, so a token learns nothing about names it may not see.
        if (!grantOf(session).allows(null == region ? key.toString() : region.name))
        {
            error(reply, ErrorReply.FORBIDDEN);
            return;
        }
        if (null == region)
        {
            error(reply, ErrorReply.NO_SUCH_REGION);
            return;
        }
        reply.put(region.sizeReply);
    }

    private void onRegister(final ClientAddress sender, final Session existing, final ReplyBuffer reply)
    {
        final long pid = request.processId();
        final long startTicks = probe.startTicks(pid);
        if (startTicks == ProcessProbe.DEAD)
        {
            error(reply, ErrorReply.INVALID_ARGUMENT); // no such live process: the lease would end at once
            return;
        }

        if ((null == existing || existing.processId != pid || existing.processStartTicks != startTicks) &&
            !canRecordChange(reply))
        {
            return;
        }
        Session session = existing;
        if (null != session && session.processId > 0 &&
            (session.processId != pid || session.processStartTicks != startTicks))
        {
            // Another process now speaks from this address: it inherits nothing, not even authentication.
            final TokenGrant grant = session.grant;
            registry.endSession(session, EndCause.REPLACED);
            session = null;
            if (access.enabled())
            {
                error(reply, ErrorReply.UNAUTHORIZED);
                return;
            }
            LOG.debug("dropped grant {} of replaced session", grant);
        }
        if (null == session)
        {
            session = registry.startSession(sender);
            if (!access.enabled())
            {
                registry.grant(session, TokenGrant.OPEN);
            }
        }
        if (session.processId != pid)
        {
            registry.watchProcess(session, pid, startTicks);
        }
        reply.put(LEASE_REPLY_PREFIX).put(registry.leases().ttlMs());
    }

    private void onRelease(final Session session, final ReplyBuffer reply)
    {
        // No check first: a release only shrinks the state, which is what lets a full journal compact again. If it
        // cannot be recorded, onRequest answers Not durable, and the client's retry is answered when it is recorded.
        if (request.hasName())
        {
            if (null != session)
            {
                final Region region =
                    registry.find(lookupKey.wrap(request.buffer(), request.nameOffset(), request.nameLength()));
                if (null != region)
                {
                    registry.release(session, region);
                }
            }
        }
        else if (null != session)
        {
            registry.endSession(session, EndCause.RELEASE);
        }
        reply.put(Protocol.OK_BYTES); // idempotent, so a retried RELEASE never fails
    }

    private void onAuth(final ClientAddress sender, final Session existing, final ReplyBuffer reply)
    {
        if (!access.enabled())
        {
            reply.put(Protocol.OK_BYTES);
            return;
        }
        if (!throttle.allows(sender))
        {
            error(reply, ErrorReply.TOO_MANY_REQUESTS);
            return;
        }
        final TokenGrant grant = access.authenticate(request.buffer(), request.tokenOffset(), request.tokenLength());
        if (null == grant)
        {
            throttle.recordFailure(sender);
            counters.authFailure();
            LOG.warn("failed AUTH from {}", sender); // never the token
            error(reply, ErrorReply.UNAUTHORIZED);
            return;
        }
        if (!canRecordChange(reply))
        {
            return;
        }
        final Session session = null != existing ? existing : registry.startSession(sender);
        registry.grant(session, grant);
        registry.leases().touch(session);
        LOG.info("{} authenticated with {}", session, grant);
        reply.put(Protocol.OK_BYTES);
    }

    private void onAdmin(final Verb verb, final Session session, final ReplyBuffer reply)
    {
        if (!grantOf(session).admin)
        {
            error(reply, ErrorReply.FORBIDDEN);
            return;
        }
        final ErrorReply failure = admin.handle(verb, request, reply);
        if (null != failure)
        {
            reply.clear();
            error(reply, failure);
        }
    }

    /**
     * Checked before a request grows the state, so a change is made only when it can be journaled. (Releases and
     * deletes are not checked first: see {@link #onRelease}.)
     */
    private boolean canRecordChange(final ReplyBuffer reply)
    {
        if (registry.canRecordChange())
        {
            return true;
        }
        error(reply, ErrorReply.NOT_DURABLE);
        return false;
    }

    private static boolean isAuthenticated(final Session session)
    {
        return null != session && session.isAuthenticated();
    }

    private TokenGrant grantOf(final Session session)
    {
        if (!access.enabled())
        {
            return TokenGrant.OPEN;
        }
        return null == session || null == session.grant ? TokenGrant.NONE : session.grant;
    }

    private void error(final ReplyBuffer reply, final ErrorReply error)
    {
        counters.error(error);
        reply.put(error.bytes());
    }
}
