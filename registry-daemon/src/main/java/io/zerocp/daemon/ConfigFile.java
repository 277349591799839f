package io.zerocp.daemon;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The JSON config file as Jackson reads it. Every field is optional; {@link ConfigLoader} validates and applies
 * defaults. Unknown keys are an error.
 */
final class ConfigFile
{
    @JsonProperty("socket") String socket;
    @JsonProperty("socket-mode") String socketMode;
    @JsonProperty("shm-dir") String shmDir;
    @JsonProperty("state-dir") String stateDir;
    @JsonProperty("default-region-size") Long defaultRegionSize;
    @JsonProperty("max-region-size") Long maxRegionSize;
    @JsonProperty("lease-ttl-ms") Long leaseTtlMs;
    @JsonProperty("linger-ms") Long lingerMs;
    @JsonProperty("liveness-poll-ms") Long livenessPollMs;
    @JsonProperty("region-mode") String regionMode;
    @JsonProperty("region-modes") List<RegionModeEntry> regionModes;
    @JsonProperty("regions") List<StaticRegionEntry> regions;
    @JsonProperty("private-regions") List<String> privateRegions;
    @JsonProperty("tokens") List<TokenEntry> tokens;
    @JsonProperty("auth-failures-per-sender") Integer authFailuresPerSender;
    @JsonProperty("auth-failures-global") Integer authFailuresGlobal;
    @JsonProperty("auth-failure-window-ms") Long authFailureWindowMs;
    @JsonProperty("max-sessions") Integer maxSessions;
    @JsonProperty("max-sessions-per-uid") Integer maxSessionsPerUid;
    @JsonProperty("max-kept-descriptors") Integer maxKeptDescriptors;
    @JsonProperty("max-regions-per-uid") Integer maxRegionsPerUid;
    @JsonProperty("journal-share-per-uid") Integer journalSharePerUid;
    @JsonProperty("max-unheld-regions") Integer maxUnheldRegions;
    @JsonProperty("metrics-port") Integer metricsPort;
    @JsonProperty("metrics-per-uid") Boolean metricsPerUid;
    @JsonProperty("transport") String transport;
    @JsonProperty("credentials") List<CredentialEntry> credentials;

    static final class CredentialEntry
    {
        @JsonProperty("uid") Long uid;
        @JsonProperty("user") String user;
        @JsonProperty("gid") Long gid;
        @JsonProperty("group") String group;
        @JsonProperty("token") String token;
        @JsonProperty("allow") List<String> allow;
        @JsonProperty("create") Boolean create;
        @JsonProperty("read-only") Boolean readOnly;
        @JsonProperty("admin") Boolean admin;
        @JsonProperty("max-regions") Long maxRegions;
        @JsonProperty("max-bytes") Long maxBytes;
        @JsonProperty("max-region-size") Long maxRegionSize;
    }
    @JsonProperty("journal-reserve-bytes") Long journalReserveBytes;
    @JsonProperty("open-max-bytes") Long openMaxBytes;
    @JsonProperty("shm-min-bytes") Long shmMinBytes;

    static final class RegionModeEntry
    {
        @JsonProperty("pattern") String pattern;
        @JsonProperty("mode") String mode;
        @JsonProperty("group") String group;
    }

    static final class StaticRegionEntry
    {
        @JsonProperty("name") String name;
        @JsonProperty("size") Long size;
    }

    static final class TokenEntry
    {
        @JsonProperty("id") String id;
        @JsonProperty("sha256") String sha256;
        @JsonProperty("allow") List<String> allow;
        @JsonProperty("create") Boolean create;
        @JsonProperty("admin") Boolean admin;
        @JsonProperty("max-regions") Long maxRegions;
        @JsonProperty("max-bytes") Long maxBytes;
        @JsonProperty("max-region-size") Long maxRegionSize;
    }
}
