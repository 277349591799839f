package io.zerocp.daemon;

/**
 * Why a session ended; reported in logs and counted in {@code STATS}.
 */
enum EndCause
{
    /** The client sent a bare {@code RELEASE}. */
    RELEASE("released", "release"),
    /** No request within the lease TTL. */
    LEASE_EXPIRY("lease expired", "leaseExpiry"),
    /** The registered process is gone (or a zombie, or its pid was reused). */
    PROCESS_EXIT("process exited", "processExit"),
    /** A new REGISTER from the same address named another process: the old session's holds go. */
    REPLACED("replaced by a new registration", "replaced");

    final String description;
    /** Name in STATS and metrics. */
    final String key;

    EndCause(final String description, final String key)
    {
        this.description = description;
        this.key = key;
    }
}
