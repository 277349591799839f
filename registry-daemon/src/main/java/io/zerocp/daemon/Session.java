package io.zerocp.daemon;

import java.util.LinkedHashSet;

/**
 * One client's lease: who it is (socket address, claimed pid), what it holds, whether it authenticated, when it was
 * last heard from. Owned by the conductor thread; other threads only carry references to it in events.
 */
final class Session
{
    /** {@link #uid} of a session whose sender's credentials are not known. */
    static final int UNKNOWN_UID = -1;

    final ClientAddress address;
    final long id;
    final long startedEpochMs;
    final LinkedHashSet<Region> holds = new LinkedHashSet<>();

    long processId;
    long processStartTicks;
    /** The kernel's uid and gid of the sender that started the session (native transport), else -1. */
    int uid = UNKNOWN_UID;
    /** The uid was the overflow uid with no pid nor pidfd ({@link Sender#isUidAmbiguous()}): counted, not owning. */
    boolean uidAmbiguous;
    int gid = Transport.UNKNOWN_ID;
    /** A pidfd on the session's process, watched by the transport, or -1 (polled, or no process known). */
    int pidfd = -1;
    /**
     * Started implicitly by a client that never registered: it lives exactly as long as its kernel-verified process,
     * with no TTL (such clients, like the seed's, never renew).
     */
    boolean processBound;
    long lastSeenNs;
    long bytesHeld;
    /** Bytes its records take in a compacted journal, counted against its uid (see {@link UidShares}). */
    int journalBytes;
    TokenGrant grant;
    boolean ended;

    Session(final ClientAddress address, final long id, final long startedEpochMs, final long nowNs)
    {
        this.address = address;
        this.id = id;
        this.startedEpochMs = startedEpochMs;
        this.lastSeenNs = nowNs;
    }

    int uid()
    {
        return uid;
    }

    boolean isAuthenticated()
    {
        return null != grant;
    }

    @Override
    public String toString()
    {
        return "session#" + id + "[" + address + (processId > 0 ? ", pid " + processId : "") +
            (uid >= 0 ? ", uid " + uid : "") + "]";
    }
}
