package io.zerocp.daemon;

/**
 * Why a session ended; reported in logs and counted in {@code STATS}.
 */
enum EndCause
{
    /** The client sent a bare {@code RELEASE}. */
    RELEASE("released"),
    /** No request within the lease TTL. */
    LEASE_EXPIRY("lease expired"),
    /** The registered process is gone (or a zombie, or its pid was reused). */
    PROCESS_EXIT("process exited"),
    /** A new REGISTER from the same address named another process: the old session's holds go. */
    REPLACED("replaced by a new registration");

    final String description;

    EndCause(final String description)
    {
        this.description = description;
    }
}
