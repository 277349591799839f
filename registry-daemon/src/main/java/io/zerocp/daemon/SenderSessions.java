package io.zerocp.daemon;

import io.zerocp.api.ErrorReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Who the request in hand comes from, as the registry sees it: the sender's session (with kernel credentials, only
 * if it is the sender's own process's), its grant (token, credential rule, or open), and a new session when one is
 * needed. Also the two checks every request that changes the state shares: the journal has room, and nothing this
 * request changed was lost. Conductor thread only; {@link #begin} resets it for each request.
 */
final class SenderSessions
{
    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);

    private final DaemonConfig config;
    private final Registry registry;
    private final AccessPolicy access;
    private final ProcessProbe probe;
    private final DaemonCounters counters;
    private final CredentialPolicy credentials;
    private final BurstLog sessionRefusals;
    private final BurstLog shareRefusals;
    private Sender sender;
    /** Whether the sender's address belongs to another live process's session. */
    private boolean addressTaken;
    private TokenGrant senderRuleGrant;
    private boolean senderRuleGrantKnown;
    private long unrecordedBefore;
    /** The uid the daemon runs as: not limited by the per-uid shares (it can stop the daemon anyway). */
    private final int ownUid;
    /** {@code journal-share-per-uid} of the journal, in bytes. */
    private final long journalSharePerUid;

    SenderSessions(final DaemonContext context, final Registry registry, final AccessPolicy access)
    {
        this.config = context.config();
        this.registry = registry;
        this.access = access;
        this.probe = context.probe();
        this.counters = context.counters();
        this.credentials = new CredentialPolicy(config.credentialRules);
        this.ownUid = daemonUid();
        this.journalSharePerUid = config.journalReserveBytes * config.journalSharePerUid / 100;
        this.sessionRefusals = new BurstLog(LOG, "session limit (max-sessions, max-sessions-per-uid)",
            context.nanoClock());
        this.shareRefusals = new BurstLog(LOG, "uid share (max-regions-per-uid, journal-share-per-uid)",
            context.nanoClock());
        if (credentials.enabled() && !config.tokens.isEmpty())
        {
            LOG.info("access by kernel credentials ({} rule(s)) and tokens", config.credentialRules.size());
        }
    }

    private static int daemonUid()
    {
        try
        {
            return OpenFiles.ownUid();
        }
        catch (final IOException | RuntimeException ex)
        {
            return Session.UNKNOWN_UID; // every known uid is then limited
        }
    }

    /**
     * @return the sender's kernel uid when the per-uid shares apply to it, else {@link Session#UNKNOWN_UID} (no
     *         credentials, as on JDK 17, or the daemon's own uid). A sender the kernel knows by its uid alone (pid 0:
     *         a sibling pid namespace) is limited by that uid like any other.
     */
    int limitedUid()
    {
        if (!sender.hasKernelUid() || sender.senderUid() == ownUid)
        {
            return Session.UNKNOWN_UID;
        }
        return sender.senderUid();
    }

    /**
     * @return whether the sender's uid may make one more region ({@code max-regions-per-uid}); if not, the reply is
     *         {@code ERROR: Quota exceeded}.
     */
    boolean mayMakeRegion(final ReplyBuffer reply)
    {
        final int uid = limitedUid();
        if (uid == Session.UNKNOWN_UID || registry.shares().regionsOf(uid) < config.maxRegionsPerUid)
        {
            return true;
        }
        counters.refused(RefusalLimit.UID_REGIONS);
        shareRefusals.refused(sender.senderKey(), uid);
        error(reply, ErrorReply.QUOTA_EXCEEDED);
        return false;
    }

    /** Starts on a new request from {@code sender}. */
    void begin(final Sender sender)
    {
        this.sender = sender;
        senderRuleGrantKnown = false;
        unrecordedBefore = registry.unrecordedChanges();
    }

    Sender sender()
    {
        return sender;
    }

    /** @return whether a change this request made could not be journaled (so it must not be answered OK). */
    boolean lostChange()
    {
        return registry.unrecordedChanges() != unrecordedBefore;
    }

    /** @return whether anything restricts access: tokens or credential rules (else every client has OPEN). */
    boolean controlled()
    {
        return access.enabled() || credentials.enabled();
    }

    /** @return the grant of the first credential rule for this sender and token (null: none, or no credentials). */
    TokenGrant ruleGrant(final TokenGrant tokenGrant)
    {
        return credentials.enabled() && sender.hasKernelCredentials() ?
            credentials.grantFor(sender.senderUid(), sender.senderGid(), sender.senderPid(), tokenGrant) : null;
    }

    /**
     * {@link #ruleGrant} of the sender without a token, looked up once per request: a group rule reads the sender's
     * supplementary groups from {@code /proc}, and a request asks up to three times.
     */
    TokenGrant senderRuleGrant()
    {
        if (!senderRuleGrantKnown)
        {
            senderRuleGrant = ruleGrant(null);
            senderRuleGrantKnown = true;
        }
        return senderRuleGrant;
    }

    /**
     * The session of this sender: its address's, when that session is the sender's own. With kernel credentials a
     * request from the same address but another process is a new client (a path rebound by another process, a socket
     * shared across a fork): it sees no holds, lease or authentication of the old one. If the old process is gone the
     * old session ends here; if it lives, the address stays its own ({@link #addressTaken}). A session also remembers
     * the kernel's uid that started it, where the kernel gives one even without a pid (a sibling pid namespace): a
     * sender of another uid is never that session's client. When the session has no process to ask about (its
     * client's pid was never known), the address stays its own until its lease runs out: the daemon never ends a
     * session it cannot tell is over, and never hands it to someone else.
     */
    Session sessionOf(final ClientAddress address)
    {
        addressTaken = false;
        final Session session = registry.leases().find(address);
        if (null == session || isOwnSession(session))
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
        final long ticks = session.processId <= 0 ? 0 : probe.startTicks(session.processId);
        if (session.processId <= 0 || ticks == session.processStartTicks || ticks == ProcessProbe.NO_DESCRIPTORS)
        {
            // Alive, or the daemon is out of descriptors and cannot tell: the address stays the old process's.
            addressTaken = true;
        }
        else
        {
            registry.endSession(session, EndCause.PROCESS_EXIT);
        }
        return null;
    }

    /** @return whether {@code session} (of the sender's address) is the sender's, as far as the kernel can tell. */
    private boolean isOwnSession(final Session session)
    {
        if (!sender.hasKernelUid())
        {
            return true; // by address alone (junixsocket, or credentials off)
        }
        if (session.uid != Session.UNKNOWN_UID && !session.uidAmbiguous && session.uid != sender.senderUid())
        {
            return false; // another user now speaks from this address
        }
        if (session.processId <= 0)
        {
            return true; // no process known: the address and the uid are all there is
        }
        // A process the kernel named by its pid is named by it in every datagram: pid 0 is someone else.
        return sender.hasKernelCredentials() && session.processId == sender.senderPid();
    }

    /**
     * Starts a session for the sender, tied on the native transport to its kernel-verified process from the start.
     *
     * @param processBound whether it lives exactly as long as its process (a client that never registered).
     * @return the session, or null (with the error in {@code reply}) when the address is another process's or the
     * sender is already gone.
     */
    Session startSession(final boolean processBound, final ReplyBuffer reply)
    {
        if (addressTaken)
        {
            error(reply, ErrorReply.ADDRESS_IN_USE);
            return null;
        }
        final long startTicks = sender.hasKernelCredentials() ? probe.startTicks(sender.senderPid()) : 0;
        if (startTicks == ProcessProbe.NO_DESCRIPTORS)
        {
            error(reply, ErrorReply.TOO_MANY_OPEN_FILES); // the true reason, not a process said to be gone
            return null;
        }
        if (startTicks == ProcessProbe.DEAD)
        {
            error(reply, ErrorReply.INVALID_ARGUMENT); // gone already: nobody will read this
            return null;
        }
        // The kernel's uid even without a pid (a sibling pid namespace): the per-uid cap holds for it too.
        final int uid = sender.hasKernelUid() ? sender.senderUid() : Session.UNKNOWN_UID;
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
        if (sender.hasKernelUid())
        {
            session.gid = sender.senderGid();
            session.uidAmbiguous = sender.isUidAmbiguous();
        }
        if (sender.hasKernelCredentials())
        {
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
     * deletes are not checked first: see {@code RequestHandler.onRelease}.)
     */
    boolean canRecordChange(final ReplyBuffer reply)
    {
        return canRecordChange(limitedUid(), sender.senderKey(), reply);
    }

    /**
     * As {@link #canRecordChange(ReplyBuffer)}, for a change made for {@code session}: its uid's share is checked, not
     * the sender's (a waiter for a region being made is answered while another sender's request is in hand); for
     * {@code null}, the journal's room only.
     */
    boolean canRecordChangeFor(final Session session, final ReplyBuffer reply)
    {
        if (null == session)
        {
            return canRecordChange(Session.UNKNOWN_UID, null, reply);
        }
        return canRecordChange(session.uid == ownUid ? Session.UNKNOWN_UID : session.uid, session.address, reply);
    }

    private boolean canRecordChange(final int uid, final Object who, final ReplyBuffer reply)
    {
        if (uid != Session.UNKNOWN_UID &&
            registry.shares().journalBytesOf(uid) + StateJournal.REQUEST_ROOM > journalSharePerUid)
        {
            // This uid's state takes its share of the journal: the rest stays for the others.
            counters.refused(RefusalLimit.UID_JOURNAL_SHARE);
            shareRefusals.refused(who, uid);
            error(reply, ErrorReply.QUOTA_EXCEEDED);
            return false;
        }
        if (registry.canRecordChange())
        {
            return true;
        }
        error(reply, ErrorReply.NOT_DURABLE);
        return false;
    }

    static boolean isAuthenticated(final Session session)
    {
        return null != session && session.isAuthenticated();
    }

    TokenGrant grantOf(final Session session)
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

    void error(final ReplyBuffer reply, final ErrorReply error)
    {
        counters.error(error);
        reply.put(error.bytes());
    }
}
