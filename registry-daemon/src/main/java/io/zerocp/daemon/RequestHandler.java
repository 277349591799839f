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

    private final Registry registry;
    private final AccessPolicy access;
    private final AuthThrottle throttle;
    private final ProcessProbe probe;
    private final DaemonCounters counters;
    private final AdminRequests admin;
    private final SenderSessions senders;
    private final RegionRequests regions;
    private final Request request = new Request();
    private final NameKey lookupKey = NameKey.flyweight();
    /** The request in hand's sender. */
    private Sender sender;
    private Verb lastVerb;
    private final AddressOnlySender addressOnly = new AddressOnlySender();

    RequestHandler(final DaemonContext context, final Registry registry, final AccessPolicy access)
    {
        this(context, registry, access, FileWorker.inline());
    }

    /** @param worker where region files are made (inline: each creation is answered in its own request). */
    RequestHandler(
        final DaemonContext context, final Registry registry, final AccessPolicy access, final FileWorker worker)
    {
        final DaemonConfig config = context.config();
        this.registry = registry;
        this.access = access;
        this.throttle = new AuthThrottle(context.nanoClock(), config.authFailuresPerSender, config.authFailuresGlobal,
            config.authFailureWindowMs);
        this.probe = context.probe();
        this.counters = context.counters();
        this.admin = new AdminRequests(registry, counters, context.epochClock());
        this.senders = new SenderSessions(context, registry, access);
        this.regions = new RegionRequests(context, registry, senders, worker);
    }

    /** The creations under way, answered through the transport when each region is ready. */
    RegionCreations creations()
    {
        return regions.creations();
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
        senders.begin(sender);
        lastVerb = null;
        handle(bytes, length, sender.senderKey(), reply);
        if (senders.lostChange())
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
            error(reply, senders.controlled() && !SenderSessions.isAuthenticated(senders.sessionOf(address)) &&
                null == senders.senderRuleGrant() ?
                ErrorReply.UNAUTHORIZED : ErrorReply.MESSAGE_TOO_LONG);
            return;
        }

        RequestParser.parse(bytes, length, request);
        final Verb verb = request.verb();
        lastVerb = verb;
        counters.request(verb);

        final Session session = senders.sessionOf(address);
        final boolean authenticated = !senders.controlled() || SenderSessions.isAuthenticated(session) ||
            (null == session && null != senders.senderRuleGrant());
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
                regions.onGetRegion(request, verb, session, reply, false);
                break;
            case GET_SHM_FD:
                regions.onGetRegion(request, verb, session, reply, true);
                break;
            case GET_SHM_SIZE:
                regions.onGetSize(request, session, reply);
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
        // pid, which in the daemon's /proc is another process or none. A sender the kernel knows by its uid but
        // cannot name (pid 0: a sibling pid namespace) claims a pid the daemon cannot check: the claim is ignored,
        // and its session lives by its lease, owned by its uid (SenderSessions.sessionOf).
        final boolean unnamed = sender.hasKernelUid() && !sender.hasKernelCredentials();
        final long pid = sender.hasKernelCredentials() ? sender.senderPid() : unnamed ? 0 : claimed;
        final long startTicks = unnamed ? 0 : probe.startTicks(pid);
        if (startTicks == ProcessProbe.NO_DESCRIPTORS)
        {
            error(reply, ErrorReply.TOO_MANY_OPEN_FILES); // the daemon could not look: say so, not "no such process"
            return;
        }
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
                sender.hasKernelCredentials() ? " (pid " + sender.senderPid() + ", uid " + sender.senderUid() + ")" :
                sender.hasKernelUid() ? " (uid " + sender.senderUid() + ")" : "");
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
        final TokenGrant both = senders.ruleGrant(grant); // a rule for this identity that requires this very token
        registry.grant(session, null != both ? both : grant);
        registry.leases().touch(session);
        LOG.info("{} authenticated with {}", session, grant);
        reply.put(Protocol.OK_BYTES);
    }

    private void onAdmin(final Verb verb, final Session session, final ReplyBuffer reply)
    {
        if (!senders.grantOf(session).admin)
        {
            error(reply, ErrorReply.FORBIDDEN);
            return;
        }
        if (verb == Verb.DELETE && regions.onDeleteUnderWay(request, reply))
        {
            return; // a region being made: its creation is cancelled, the DELETE answered once it is gone
        }
        final ErrorReply failure = admin.handle(verb, request, reply);
        if (null != failure)
        {
            reply.clear();
            error(reply, failure);
        }
    }

    private boolean canRecordChange(final ReplyBuffer reply)
    {
        return senders.canRecordChange(reply);
    }

    private Session startSession(final boolean processBound, final ReplyBuffer reply)
    {
        return senders.startSession(processBound, reply);
    }

    private void error(final ReplyBuffer reply, final ErrorReply error)
    {
        senders.error(reply, error);
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
