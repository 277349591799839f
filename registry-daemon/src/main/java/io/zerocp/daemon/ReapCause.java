package io.zerocp.daemon;

/**
 * Why a region's last hold went, so why it was reaped ({@code zerocp_regions_reaped_by_cause_total{cause="..."}}).
 */
enum ReapCause
{
    /** Its last holder released it by name. */
    RELEASE("release"),
    /** Its last holder ended its session with a bare {@code RELEASE}. */
    SESSION_RELEASE("sessionRelease"),
    /** Its last holder's lease ran out. */
    LEASE_EXPIRY("leaseExpiry"),
    /** Its last holder's process exited. */
    PROCESS_EXIT("processExit"),
    /** Its last holder's address was taken over by another process. */
    REPLACED("replaced"),
    /** It had no holder when a restarted daemon restored it. */
    RESTORE("restore");

    /** The {@code cause} label. */
    final String label;

    ReapCause(final String label)
    {
        this.label = label;
    }

    /** @return the reap cause of a region whose last holder's session ended for {@code cause}. */
    static ReapCause of(final EndCause cause)
    {
        switch (cause)
        {
            case RELEASE:
                return SESSION_RELEASE;
            case LEASE_EXPIRY:
                return LEASE_EXPIRY;
            case PROCESS_EXIT:
                return PROCESS_EXIT;
            case REPLACED:
                return REPLACED;
            default:
                throw new IllegalArgumentException("no reap cause for " + cause);
        }
    }
}
