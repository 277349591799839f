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
    /** The request in hand's sender, and whether its address belongs to another live process's session. */
    private Sender sender;
    private boolean addressTaken;
    private final CredentialPolicy credentials;
    private final BurstLog sessionRefusals;
    private Verb lastVerb;
    private TokenGrant senderRuleGrant;
    private boolean senderRuleGrantKnown;
    private final AddressOnlySender addressOnly = new AddressOnlySender();

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
        this.credentials = new CredentialPolicy(config.credentialRules);
        this.sessionRefusals = new BurstLog(LOG, "session limit (max-sessions, max-sessions-per-uid)",
            context.nanoClock());
        if (credentials.enabled() && !config.tokens.isEmpty())
        {
            LOG.info("access by kernel credentials ({} rule(s)) and tokens", config.credentialRules.size());
        }
    }

    /** @return whether anything restricts access: tokens or credential rules (else every client has OPEN). */
    private boolean controlled()
    {
        return access.enabled() || credentials.enabled();
    }

    /** @return the grant of the first credential rule for this sender and token (null: none, or no credentials). */
    private TokenGrant ruleGrant(final TokenGrant tokenGrant)
    {
        return credentials.enabled() && sender.hasKernelCredentials() ?
            credentials.grantFor(sender.senderUid(), sender.senderGid(), sender.senderPid(), tokenGrant) : null;
    }

    /**
     * {@link #ruleGrant} of the sender without a token, looked up once per request: a group rule reads the sender's
     * supplementary groups from {@code /proc}, and a request asks up to three times.
     */
    private TokenGrant senderRuleGrant()
    {
        if (!senderRuleGrantKnown)
        {
            senderRuleGrant = ruleGrant(null);
            senderRuleGrantKnown = true;
        }
        return senderRuleGrant;
    }

    /** A request from a sender known by its address alone (tests, benchmarks); allocates nothing. */
    void onRequest(final byte[] bytes, final int length, final ClientAddress sender, final ReplyBuffer reply)
    {
        addressOnly.address = sender;
        onRequest(bytes, length, addressOnly, reply);
    }

    /**
     * @param bytes  the datagram; {@code length > MAX_REQUEST_LENGTH} means it was too long (and maybe truncated).
     * @param sender who sent it: its address, and on the native transport the kernel's pid, uid and gid.
     * @param reply  cleared buffer to write the reply into.
     */
    void onRequest(final byte[] bytes, final int length, final Sender sender, final ReplyBuffer reply)
    {
        this.sender = sender;
        senderRuleGrantKnown = false;
        lastVerb = null;
        final long unrecordedBefore = registry.unrecordedChanges();
        handle(bytes, length, sender.senderKey(), reply);
        if (registry.unrecordedChanges() != unrecordedBefore)
        {
            // A change this request made could not be journaled: a restart would not know it, so it is no OK.
            reply.clear();
            error(reply, ErrorReply.NOT_DURABLE);
        }
    }

    private void handle(final byte[] bytes, final int length, final ClientAddress address, final ReplyBuffer reply)
    {
        if (length > Protocol.MAX_REQUEST_LENGTH)
        {
            counters.request(null);
            counters.refused(RefusalLimit.REQUEST_LENGTH);
            // An unauthenticated sender gets nothing but PONG or Unauthorized, not even the size limit.
            error(reply, controlled() && !isAuthenticated(sessionOf(address)) && null == senderRuleGrant() ?
                ErrorReply.UNAUTHORIZED : ErrorReply.MESSAGE_TOO_LONG);
            return;
        }

        RequestParser.parse(bytes, length, request);
        final Verb verb = request.verb();
        lastVerb = verb;
        counters.request(verb);

        final Session session = sessionOf(address);
        final boolean authenticated = !controlled() || isAuthenticated(session) ||
            (null == session && null != senderRuleGrant());
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
                onRegister(address, session, reply);
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
                onAuth(session, reply);
                break;
            default:
                onAdmin(verb, session, reply);
                break;
        }
    }

    /** @return the verb of the request last handled; {@code null} if it did not parse to one (or was too long). */
    Verb lastVerb()
    {
        return lastVerb;
    }

    private void onGetRegion(final Session existing, final ReplyBuffer reply, final boolean descriptor)
    {
        final NameKey key = request.hasName() ?
            lookupKey.wrap(request.buffer(), request.nameOffset(), request.nameLength()) : defaultKey;
        final long size = request.size();
        if (size > config.maxRegionSize)
        {
            counters.refused(RefusalLimit.MAX_REGION_SIZE);
            error(reply, ErrorReply.INVALID_ARGUMENT);
            return;
        }

        Session session = existing;
        final TokenGrant grant = grantOf(session);
        if (grant.readOnly && (!descriptor || !request.readOnly()))
        {
            error(reply, ErrorReply.FORBIDDEN); // read-only rights are enforceable only on a read-only descriptor
            return;
        }
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
            if (null == session && sender.hasKernelCredentials())
            {
                session = startSession(true, reply); // a client that never registered: see below
                if (null == session)
                {
                    return;
                }
            }
            if (createSize > grant.maxRegionSize)
            {
                counters.refused(RefusalLimit.TOKEN_REGION_SIZE);
                error(reply, ErrorReply.QUOTA_EXCEEDED);
                return;
            }
            if (null != session && !registry.withinQuota(session, createSize))
            {
                counters.refused(RefusalLimit.TOKEN_QUOTA);
                error(reply, ErrorReply.QUOTA_EXCEEDED);
                return;
            }
            if (grant == TokenGrant.OPEN && registry.dynamicBytes() + createSize > openMaxBytes)
            {
                counters.refused(RefusalLimit.OPEN_MAX_BYTES); // auth off: all dynamic regions share one cap
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

        if (null == session && sender.hasKernelCredentials() && !region.isStatic)
        {
            // A client that never registered still holds what it asks for, for as long as its process lives: the
            // seed's C client, socat and python get crash cleanup too.
            session = startSession(true, reply);
            if (null == session)
            {
                return;
            }
        }
        if (null != session && !session.holds.contains(region))
        {
            if (!registry.withinQuota(session, region.size))
            {
                counters.refused(RefusalLimit.TOKEN_QUOTA);
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

    private void onRegister(final ClientAddress address, final Session existing, final ReplyBuffer reply)
    {
        final long claimed = request.processId();
        if (sender.hasKernelCredentials() && claimed != sender.senderPid() &&
            !ProcessNamespaces.isSameProcess(sender.senderPid(), claimed))
        {
            error(reply, ErrorReply.PROCESS_MISMATCH); // a pid is the sender's own or nothing
            return;
        }
        // From then on the process is the one the kernel names: a client in a container claims its own namespace's
        // pid, which in the daemon's /proc is another process or none.
        final long pid = sender.hasKernelCredentials() ? sender.senderPid() : claimed;
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
            session = startSession(false, reply);
            if (null == session)
            {
                return;
            }
        }
        session.processBound = false; // registered: it renews, so the TTL applies from now on
        if (!sender.hasKernelCredentials() && session.processId != pid)
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

    private void onAuth(final Session existing, final ReplyBuffer reply)
    {
        if (!access.enabled())
        {
            reply.put(Protocol.OK_BYTES);
            return;
        }
        if (!throttle.allows(sender))
        {
            counters.refused(RefusalLimit.AUTH_THROTTLE);
            error(reply, ErrorReply.TOO_MANY_REQUESTS);
            return;
        }
        final TokenGrant grant = access.authenticate(request.buffer(), request.tokenOffset(), request.tokenLength());
        if (null == grant)
        {
            throttle.recordFailure(sender);
            counters.authFailure();
            LOG.warn("failed AUTH from {}{}", sender.senderKey(), // never the token
                sender.hasKernelCredentials() ? " (pid " + sender.senderPid() + ", uid " + sender.senderUid() + ")" : "");
            error(reply, ErrorReply.UNAUTHORIZED);
            return;
        }
        if (!canRecordChange(reply))
        {
            return;
        }
        final Session session = null != existing ? existing : startSession(false, reply); // a grant expires
        if (null == session)
        {
            return;
        }
        final TokenGrant both = ruleGrant(grant); // a rule for this identity that requires this very token
        registry.grant(session, null != both ? both : grant);
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
     * The session of this sender: its address's, when that session is the sender's own process. With kernel
     * credentials a request from the same address but another process is a new client (a path rebound by another
     * process, a socket shared across a fork): it sees no holds, lease or authentication of the old one. If the old
     * process is gone the old session ends here; if it lives, the address stays its own ({@link #addressTaken}).
     */
    private Session sessionOf(final ClientAddress address)
    {
        addressTaken = false;
        final Session session = registry.leases().find(address);
        if (null == session || !sender.hasKernelCredentials() || session.processId <= 0 ||
            session.processId == sender.senderPid())
        {
            if (null != session && null == session.grant && null != session.address)
            {
                final TokenGrant byCredentials = senderRuleGrant(); // e.g. restored after a restart
                if (null != byCredentials)
                {
                    registry.grant(session, byCredentials);
                }
            }
            return session;
        }
        if (probe.startTicks(session.processId) == session.processStartTicks)
        {
            addressTaken = true;
        }
        else
        {
            registry.endSession(session, EndCause.PROCESS_EXIT);
        }
        return null;
    }

    /**
     * Starts a session for the sender, tied on the native transport to its kernel-verified process from the start.
     *
     * @param processBound whether it lives exactly as long as its process (a client that never registered).
     * @return the session, or null (with the error in {@code reply}) when the address is another process's or the
     * sender is already gone.
     */
    private Session startSession(final boolean processBound, final ReplyBuffer reply)
    {
        if (addressTaken)
        {
            error(reply, ErrorReply.ADDRESS_IN_USE);
            return null;
        }
        final long startTicks = sender.hasKernelCredentials() ? probe.startTicks(sender.senderPid()) : 0;
        if (startTicks == ProcessProbe.DEAD)
        {
            error(reply, ErrorReply.INVALID_ARGUMENT); // gone already: nobody will read this
            return null;
        }
        final int uid = sender.hasKernelCredentials() ? sender.senderUid() : Session.UNKNOWN_UID;
        if (registry.leases().size() >= config.maxSessions ||
            (uid != Session.UNKNOWN_UID && registry.sessionsOf(uid) >= config.maxSessionsPerUid))
        {
            // Refused before anything is made: no session, no journal record, one log line per burst.
            counters.refused(RefusalLimit.SESSIONS);
            sessionRefusals.refused(sender.senderKey(), uid);
            error(reply, ErrorReply.TOO_MANY_SESSIONS);
            return null;
        }
        final Session session = registry.startSession(sender.senderKey(), uid);
        if (sender.hasKernelCredentials())
        {
            session.gid = sender.senderGid();
            session.processBound = processBound;
            registry.watchProcess(session, sender.senderPid(), startTicks, sender.takeSenderPidfd());
        }
        if (!controlled())
        {
            registry.grant(session, TokenGrant.OPEN);
        }
        else
        {
            final TokenGrant byCredentials = senderRuleGrant();
            if (null != byCredentials)
            {
                registry.grant(session, byCredentials);
            }
        }
        return session;
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
        if (!controlled())
        {
            return TokenGrant.OPEN;
        }
        if (null != session && null != session.grant)
        {
            return session.grant;
        }
        final TokenGrant byCredentials = null == session ? senderRuleGrant() : null;
        return null == byCredentials ? TokenGrant.NONE : byCredentials;
    }

    private void error(final ReplyBuffer reply, final ErrorReply error)
    {
        counters.error(error);
        reply.put(error.bytes());
    }

    /** The reusable {@link Sender} of {@link #onRequest(byte[], int, ClientAddress, ReplyBuffer)}. */
    private static final class AddressOnlySender implements Sender
    {
        ClientAddress address;

        @Override
        public ClientAddress senderKey()
        {
            return address;
        }

        @Override
        public int senderPid()
        {
            return Transport.UNKNOWN_ID;
        }

        @Override
        public int senderUid()
        {
            return Transport.UNKNOWN_ID;
        }

        @Override
        public int senderGid()
        {
            return Transport.UNKNOWN_ID;
        }

        @Override
        public boolean hasKernelCredentials()
        {
            return false;
        }

        @Override
        public int takeSenderPidfd()
        {
            return -1;
        }
    }
}
