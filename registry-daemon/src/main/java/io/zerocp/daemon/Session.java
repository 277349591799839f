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
    long lastSeenNs;
    long bytesHeld;
    TokenGrant grant;
    boolean ended;
    /**
     * The sender's uid as the kernel reported it, or {@link #UNKNOWN_UID}; per-uid accounting (metrics) reads it.
     * Set by whoever learns the credentials (the identity work); nothing sets it yet.
     */
    int uid = UNKNOWN_UID;

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
        return "session#" + id + "[" + address + (processId > 0 ? ", pid " + processId : "") + "]";
    }
}
