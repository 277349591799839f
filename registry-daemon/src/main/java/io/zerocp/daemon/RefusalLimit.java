package io.zerocp.daemon;

/**
 * The limits a request can be refused by, counted per limit ({@code zerocp_refusals_total{limit="..."}}). To add a
 * limit: add a constant here and call {@link DaemonCounters#refused(RefusalLimit)} where it refuses; the counter,
 * its metric series and its zero before the first refusal follow.
 */
enum RefusalLimit
{
    /** A datagram longer than the protocol's maximum request. */
    REQUEST_LENGTH("request_length"),
    /** A size above the daemon's {@code max-region-size}. */
    MAX_REGION_SIZE("max_region_size"),
    /** A size above the token's own largest region. */
    TOKEN_REGION_SIZE("token_region_size"),
    /** A hold past the token's quota of regions or bytes. */
    TOKEN_QUOTA("token_quota"),
    /** An AUTH refused because of recent failures (per sender or in all). */
    AUTH_THROTTLE("auth_throttle"),
    /** With auth off, {@code open-max-bytes} for all dynamic regions together. */
    OPEN_MAX_BYTES("open_max_bytes"),
    /** {@code max-sessions} or {@code max-sessions-per-uid}: a new client was refused a session. */
    SESSIONS("sessions"),
    /** Too many region creations under way, or too many requests waiting for one (see RegionCreations). */
    CREATIONS("creations"),
    /** {@code max-regions-per-uid}: the sender's uid made as many regions as it may. */
    UID_REGIONS("uid_regions"),
    /** {@code journal-share-per-uid}: the sender's uid's state takes its share of the journal. */
    UID_JOURNAL_SHARE("uid_journal_share"),
    /** {@code max-unheld-regions}: a creation that nobody would hold, with as many such regions already made. */
    UNHELD_REGIONS("unheld_regions");

    /** The {@code limit} label: stable, for dashboards and alerts. */
    final String label;

    RefusalLimit(final String label)
    {
        this.label = label;
    }
}
