package io.zerocp.daemon;

import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sessions and their holds: who holds which region, under which token, with the token quotas and the process watch
 * that go with it. Every change is journaled. It never removes a region: a method that may leave a region unheld
 * says so, and {@link Registry} decides whether it lingers or goes. Conductor thread only.
 */
final class SessionBook
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionBook.class);

    private final LeaseTable leases;
    private final org.agrona.collections.Int2IntCounterMap sessionsByUid =
        new org.agrona.collections.Int2IntCounterMap(0);
    private final ProcessWatcher watcher;
    private final TokenQuotas quotas = new TokenQuotas();
    private final UidShares shares = new UidShares();
    private final DaemonCounters counters;
    private final EpochClock epochClock;
    private final RegistryJournal journal;
    private List<TokenGrant> tokens;

    SessionBook(
        final DaemonContext context, final LeaseTable leases, final ProcessWatcher watcher,
        final RegistryJournal journal)
    {
        this.leases = leases;
        this.watcher = watcher;
        this.counters = context.counters();
        this.epochClock = context.epochClock();
        this.journal = journal;
        this.tokens = context.config().tokens;
    }

    LeaseTable leases()
    {
        return leases;
    }

    List<TokenGrant> tokens()
    {
        return tokens;
    }

    TokenQuotas quotas()
    {
        return quotas;
    }

    /** What each uid takes of the state (regions, journal bytes). */
    UidShares shares()
    {
        return shares;
    }

    /** @return whether the session's token allows one more hold of {@code size} bytes. */
    boolean withinQuota(final Session session, final long size)
    {
        return quotas.allowsOneMore(session.grant, size);
    }

    Session start(final ClientAddress address, final int uid)
    {
        final Session session = leases.start(address, epochClock.time());
        session.uid = uid;
        session.journalBytes = JournalCodec.sessionRecordsLength(address.bytes().length);
        shares.add(uid, session.journalBytes);
        sessionsByUid.incrementAndGet(uid);
        counters.sessionStarted();
        journal.sessionStarted(session);
        LOG.info("{} started", session);
        return session;
    }

    /** @param pidfd a pidfd on the process that the watcher now owns, or -1 to open one (or poll). */
    /** @return live sessions started by {@code uid} (-1: senders without kernel credentials). */
    int sessionsOf(final int uid)
    {
        return sessionsByUid.get(uid);
    }

    ProcessWatcher watcher()
    {
        return watcher;
    }

    void watchProcess(final Session session, final long pid, final long startTicks, final int pidfd)
    {
        session.processId = pid;
        session.processStartTicks = startTicks;
        watcher.watch(session, pid, startTicks, pidfd);
        journal.sessionUpdated(session);
    }

    /** Records a hold; a repeated hold by the same session is one hold. @return whether it is a new hold. */
    boolean hold(final Session session, final Region region)
    {
        if (!session.holds.add(region))
        {
            return false;
        }
        region.holders++;
        region.hadHolds = true;
        shares.regionHeld(region);
        session.bytesHeld += region.size;
        quotas.add(session.grant, 1, region.size);
        shares.add(session.uid, region.holdJournalBytes);
        journal.holdAdded(session, region);
        return true;
    }

    /** Drops one hold. @return whether the session held the region. */
    boolean release(final Session session, final Region region)
    {
        if (!session.holds.remove(region))
        {
            return false;
        }
        unhold(session, region);
        journal.holdRemoved(session, region);
        return true;
    }

    /** Drops every session's hold on a region that is going (an operator's delete). */
    void releaseAll(final Region region)
    {
        for (final Session session : leases.sessions())
        {
            release(session, region);
        }
    }

    /**
     * Ends a session: every hold goes, then the lease. Safe to call twice.
     *
     * @return the regions it held (now each with one holder fewer); empty when it had ended already.
     */
    List<Region> end(final Session session, final EndCause cause)
    {
        if (session.ended)
        {
            return List.of();
        }
        final List<Region> held = new ArrayList<>(session.holds);
        session.holds.clear();
        for (final Region region : held)
        {
            unhold(session, region);
        }
        watcher.unwatch(session);
        leases.remove(session);
        shares.add(session.uid, -session.journalBytes);
        if (sessionsByUid.get(session.uid) > 0)
        {
            sessionsByUid.decrementAndGet(session.uid); // restored sessions were never counted
        }
        counters.sessionEnded(cause);
        journal.sessionEnded(session);
        LOG.info("{} ended: {}; released {} hold(s)", session, cause.description, held.size());
        return held;
    }

    /** Sets the token a session authenticated with, moving its usage over. */
    void grant(final Session session, final TokenGrant grant)
    {
        if (session.grant == grant)
        {
            return;
        }
        quotas.add(session.grant, -session.holds.size(), -session.bytesHeld);
        session.grant = grant;
        quotas.add(grant, session.holds.size(), session.bytesHeld);
        journal.sessionUpdated(session);
    }

    /**
     * Moves every authenticated session to the grant of the same id in {@code tokens} (a reload). A session whose
     * token is gone or has a new hash loses its authentication but keeps its lease and holds; with no tokens at all
     * (auth off) every session gets the open grant.
     *
     * @return how many sessions lost their authentication.
     */
    int rebindGrants(final List<TokenGrant> tokens)
    {
        int revoked = 0;
        for (final Session session : leases.sessions())
        {
            final TokenGrant old = session.grant;
            if (null != old && null == old.sha256 && old != TokenGrant.OPEN)
            {
                continue; // granted by credential rules: those are read at start only
            }
            TokenGrant replacement = null;
            if (tokens.isEmpty())
            {
                replacement = TokenGrant.OPEN;
            }
            else if (null != old)
            {
                for (final TokenGrant candidate : tokens)
                {
                    if (candidate.id.equals(old.id) && Arrays.equals(candidate.sha256, old.sha256))
                    {
                        replacement = candidate;
                        break;
                    }
                }
            }
            if (null != old && null == replacement)
            {
                revoked++;
                LOG.info("{} lost {}: it was removed or changed", session, old);
            }
            grant(session, replacement);
        }
        quotas.retainOnly(tokens);
        this.tokens = List.copyOf(tokens);
        return revoked;
    }

    /** The accounting of one hold going, shared by every way a hold ends. */
    private void unhold(final Session session, final Region region)
    {
        region.holders--;
        session.bytesHeld -= region.size;
        quotas.add(session.grant, -1, -region.size);
        shares.add(session.uid, -region.holdJournalBytes);
    }
}
