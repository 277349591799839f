package io.zerocp.daemon;

import io.zerocp.api.Protocol;
import io.zerocp.api.RegionNames;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the daemon is configured with. Immutable; built by {@link ConfigLoader} (which only parses) or a
 * {@link Builder}. {@link #validate()} holds every rule on the values, and {@link DaemonContext#conclude()} calls it
 * once at start, with the checks against the machine (directories, socket path length, groups).
 */
public final class DaemonConfig
{
    /** One entry of {@code region-modes}: files of regions whose name matches get this mode and group. */
    record RegionMode(String pattern, Set<PosixFilePermission> mode, String group)
    {
    }

    /** A region from the config: created at start, never reaped. */
    record StaticRegion(String name, long size)
    {
    }

    final Path socketPath;
    final Set<PosixFilePermission> socketMode;
    final Path shmDir;
    final Path stateDir;
    final long defaultRegionSize;
    final long maxRegionSize;
    final long leaseTtlMs;
    final long lingerMs;
    final long livenessPollMs;
    final Set<PosixFilePermission> regionMode;
    final List<RegionMode> regionModes;
    final List<StaticRegion> staticRegions;
    final List<String> privateRegions;
    final List<TokenGrant> tokens;
    final List<CredentialRule> credentialRules;
    final int authFailuresPerSender;
    final int authFailuresGlobal;
    final long authFailureWindowMs;
    /** Sessions at once, in all and per uid (kernel credentials); past them a new client gets Too many sessions. */
    final int maxSessions;
    final int maxSessionsPerUid;
    /** Region descriptors kept open for {@code GET_SHM_FD}, the most recently asked for (see RegionDescriptors). */
    final int maxKeptDescriptors;
    /** Regions (made and being made) per creator's kernel uid; the daemon's own uid is not counted. */
    final int maxRegionsPerUid;
    /** Percent of {@code journal-reserve-bytes} the state of one uid (other than the daemon's) may take. */
    final int journalSharePerUid;
    /** Regions nobody has ever held (made by clients without a session: JDK 17, the seed's C client, the CLI). */
    final int maxUnheldRegions;
    final int metricsPort;
    /**
     * Whether the metrics port shows per-uid figures: {@code null} (the default) where {@code STATS} is open to
     * every client (no tokens, no credential rules), true or false to decide it either way.
     */
    final Boolean metricsPerUid;
    final TransportKind transport;
    /** Bytes of the journal file and of its spare, allocated ahead so a full filesystem cannot cost a change. */
    final long journalReserveBytes;
    /**
     * With authentication off, the most bytes all dynamic regions may take together; {@link #DEFAULT_OPEN_MAX_BYTES}
     * means half the size of the shm directory's filesystem (see {@link DaemonContext#openMaxBytes()}).
     */
    final long openMaxBytes;
    /** The smallest shm filesystem that is not worth a warning at start (0: no floor); see {@link ShmCapacityCheck}. */
    final long shmMinBytes;

    static final long DEFAULT_JOURNAL_RESERVE_BYTES = 4L << 20;
    static final long MIN_JOURNAL_RESERVE_BYTES = 64L << 10;
    static final long DEFAULT_OPEN_MAX_BYTES = -1;

    private DaemonConfig(final Builder b)
    {
        socketPath = b.socketPath;
        socketMode = b.socketMode;
        shmDir = b.shmDir;
        stateDir = null != b.stateDir ? b.stateDir : b.shmDir.resolve(".zerocpd");
        defaultRegionSize = b.defaultRegionSize;
        maxRegionSize = b.maxRegionSize;
        leaseTtlMs = b.leaseTtlMs;
        lingerMs = b.lingerMs;
        livenessPollMs = b.livenessPollMs;
        regionMode = b.regionMode;
        regionModes = List.copyOf(b.regionModes);
        staticRegions = List.copyOf(b.staticRegions);
        privateRegions = List.copyOf(b.privateRegions);
        tokens = List.copyOf(b.tokens);
        credentialRules = List.copyOf(b.credentialRules);
        authFailuresPerSender = b.authFailuresPerSender;
        authFailuresGlobal = b.authFailuresGlobal;
        authFailureWindowMs = b.authFailureWindowMs;
        maxSessions = b.maxSessions;
        maxSessionsPerUid = b.maxSessionsPerUid;
        maxKeptDescriptors = b.maxKeptDescriptors;
        maxRegionsPerUid = b.maxRegionsPerUid;
        journalSharePerUid = b.journalSharePerUid;
        maxUnheldRegions = b.maxUnheldRegions;
        metricsPort = b.metricsPort;
        metricsPerUid = b.metricsPerUid;
        transport = b.transport;
        journalReserveBytes = b.journalReserveBytes;
        openMaxBytes = b.openMaxBytes;
        shmMinBytes = b.shmMinBytes;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    public Path socketPath()
    {
        return socketPath;
    }

    public Path shmDir()
    {
        return shmDir;
    }

    public Path stateDir()
    {
        return stateDir;
    }

    public long leaseTtlMs()
    {
        return leaseTtlMs;
    }

    public TransportKind transport()
    {
        return transport;
    }

    boolean authEnabled()
    {
        return !tokens.isEmpty();
    }

    /**
     * Checks every value against its rule; the message names the config key (the flag of the same name wins over it).
     *
     * @return this config.
     */
    public DaemonConfig validate() throws ConfigException
    {
        positive("default-region-size", defaultRegionSize);
        positive("max-region-size", maxRegionSize);
        if (defaultRegionSize > maxRegionSize)
        {
            throw new ConfigException("default-region-size " + defaultRegionSize + " is above max-region-size " +
                maxRegionSize);
        }
        positive("lease-ttl-ms", leaseTtlMs);
        if (lingerMs < 0)
        {
            throw new ConfigException("linger-ms must not be negative, not " + lingerMs);
        }
        positive("liveness-poll-ms", livenessPollMs);
        positive("auth-failures-per-sender", authFailuresPerSender);
        positive("auth-failures-global", authFailuresGlobal);
        positive("auth-failure-window-ms", authFailureWindowMs);
        positive("max-sessions", maxSessions);
        positive("max-sessions-per-uid", maxSessionsPerUid);
        if (maxKeptDescriptors < 2)
        {
            throw new ConfigException("max-kept-descriptors must be at least 2, not " + maxKeptDescriptors);
        }
        positive("max-regions-per-uid", maxRegionsPerUid);
        if (journalSharePerUid < 1 || journalSharePerUid > 100)
        {
            throw new ConfigException("journal-share-per-uid must be a percent from 1 to 100, not " +
                journalSharePerUid);
        }
        positive("max-unheld-regions", maxUnheldRegions);
        if (journalReserveBytes < MIN_JOURNAL_RESERVE_BYTES)
        {
            throw new ConfigException("journal-reserve-bytes must be at least " + MIN_JOURNAL_RESERVE_BYTES +
                ", not " + journalReserveBytes);
        }
        if (openMaxBytes != DEFAULT_OPEN_MAX_BYTES)
        {
            positive("open-max-bytes", openMaxBytes);
        }
        if (shmMinBytes < 0)
        {
            throw new ConfigException("shm-min-bytes must be 0 (no floor) or positive, not " + shmMinBytes);
        }
        if (metricsPort < 0 || metricsPort > 65535)
        {
            throw new ConfigException("metrics-port must be 0 (off) to 65535, not " + metricsPort);
        }
        for (int i = 0; i < regionModes.size(); i++)
        {
            final RegionMode mode = regionModes.get(i);
            pattern("region-modes[" + i + "].pattern", mode.pattern());
            final String group = mode.group();
            if (null != group && (group.isEmpty() || !group.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")))
            {
                throw new ConfigException("region-modes[" + i + "].group '" + group + "' is not a group name");
            }
        }
        final Set<String> staticNames = new HashSet<>();
        for (int i = 0; i < staticRegions.size(); i++)
        {
            final StaticRegion region = staticRegions.get(i);
            final String key = "regions[" + i + "]";
            if (!RegionNames.isValid(region.name()))
            {
                throw new ConfigException(key + ".name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
            }
            if (!staticNames.add(region.name()))
            {
                throw new ConfigException(key + ".name '" + region.name() + "' is listed twice");
            }
            positive(key + ".size", region.size());
            if (region.size() > maxRegionSize)
            {
                throw new ConfigException(key + ".size " + region.size() + " is above max-region-size");
            }
        }
        for (int i = 0; i < privateRegions.size(); i++)
        {
            pattern("private-regions[" + i + "]", privateRegions.get(i));
        }
        final Set<String> ids = new HashSet<>();
        for (int i = 0; i < tokens.size(); i++)
        {
            final TokenGrant grant = tokens.get(i);
            final String key = "tokens[" + i + "]";
            if (null == grant.id || grant.id.isEmpty() || grant.id.length() > 64 ||
                !grant.id.chars().allMatch(c -> c > ' ' && c < 0x7F))
            {
                throw new ConfigException(key + ".id must be 1 to 64 printable ASCII characters");
            }
            for (int j = 0; j < grant.allow.size(); j++)
            {
                pattern(key + ".allow[" + j + "]", grant.allow.get(j));
            }
            positive(key + ".max-regions", grant.maxRegions);
            positive(key + ".max-bytes", grant.maxBytes);
            positive(key + ".max-region-size", grant.maxRegionSize);
            if (!ids.add(grant.id))
            {
                throw new ConfigException(key + ".id '" + grant.id + "' is used twice");
            }
        }
        return this;
    }

    private static void positive(final String key, final long value) throws ConfigException
    {
        if (value <= 0)
        {
            throw new ConfigException(key + " must be positive, not " + value);
        }
    }

    private static void pattern(final String key, final String pattern) throws ConfigException
    {
        if (!RegionNames.isValidPattern(pattern))
        {
            throw new ConfigException(key + " '" + pattern + "' is not a name pattern (name characters and *)");
        }
    }

    /** Mutable builder; defaults reproduce the seed daemon. */
    public static final class Builder
    {
        Path socketPath = Paths.get(Protocol.DEFAULT_SOCKET_PATH);
        Set<PosixFilePermission> socketMode = FileModes.parse("0600");
        Path shmDir = Paths.get(Protocol.DEFAULT_SHM_DIR);
        Path stateDir;
        long defaultRegionSize = Protocol.DEFAULT_REGION_SIZE;
        long maxRegionSize = 1L << 34;
        long leaseTtlMs = Protocol.DEFAULT_LEASE_TTL_MS;
        long lingerMs = 50;
        long livenessPollMs = 10;
        Set<PosixFilePermission> regionMode = FileModes.parse("0600");
        final List<RegionMode> regionModes = new ArrayList<>();
        final List<StaticRegion> staticRegions = new ArrayList<>();
        final List<String> privateRegions = new ArrayList<>();
        final List<TokenGrant> tokens = new ArrayList<>();
        final List<CredentialRule> credentialRules = new ArrayList<>();
        int authFailuresPerSender = 5;
        int authFailuresGlobal = 50;
        long authFailureWindowMs = 10_000;
        int maxSessions = 8192;
        int maxSessionsPerUid = 1024;
        int maxKeptDescriptors = 1024;
        int maxRegionsPerUid = 1024;
        int journalSharePerUid = 25;
        int maxUnheldRegions = 1024;
        int metricsPort = 0;
        Boolean metricsPerUid;
        TransportKind transport = TransportKind.fromSystemProperty();
        long journalReserveBytes = DEFAULT_JOURNAL_RESERVE_BYTES;
        long openMaxBytes = DEFAULT_OPEN_MAX_BYTES;
        long shmMinBytes = 0;

        public Builder socketPath(final Path path)
        {
            this.socketPath = path;
            return this;
        }

        public Builder shmDir(final Path dir)
        {
            this.shmDir = dir;
            return this;
        }

        public Builder stateDir(final Path dir)
        {
            this.stateDir = dir;
            return this;
        }

        public Builder leaseTtlMs(final long ms)
        {
            this.leaseTtlMs = ms;
            return this;
        }

        public Builder lingerMs(final long ms)
        {
            this.lingerMs = ms;
            return this;
        }

        public Builder maxRegionSize(final long bytes)
        {
            this.maxRegionSize = bytes;
            return this;
        }

        public Builder defaultRegionSize(final long bytes)
        {
            this.defaultRegionSize = bytes;
            return this;
        }

        public Builder maxSessions(final int total, final int perUid)
        {
            this.maxSessions = total;
            this.maxSessionsPerUid = perUid;
            return this;
        }

        public Builder transport(final TransportKind kind)
        {
            this.transport = kind;
            return this;
        }

        /** Per-uid shares: regions per uid, percent of the journal per uid, regions nobody holds. */
        public Builder uidShares(final int regionsPerUid, final int journalPercentPerUid, final int unheldRegions)
        {
            this.maxRegionsPerUid = regionsPerUid;
            this.journalSharePerUid = journalPercentPerUid;
            this.maxUnheldRegions = unheldRegions;
            return this;
        }

        public Builder maxKeptDescriptors(final int descriptors)
        {
            this.maxKeptDescriptors = descriptors;
            return this;
        }

        public Builder journalReserveBytes(final long bytes)
        {
            this.journalReserveBytes = bytes;
            return this;
        }

        public Builder shmMinBytes(final long bytes)
        {
            this.shmMinBytes = bytes;
            return this;
        }

        public Builder openMaxBytes(final long bytes)
        {
            this.openMaxBytes = bytes;
            return this;
        }

        public Builder livenessPollMs(final long ms)
        {
            this.livenessPollMs = ms;
            return this;
        }

        /** Port for {@code 127.0.0.1:<port>/metrics}; 0 (the default) is off. */
        /** See {@code metrics-per-uid}: {@code null} follows authentication (shown only while it is off). */
        public Builder metricsPerUid(final Boolean shown)
        {
            this.metricsPerUid = shown;
            return this;
        }

        public Builder metricsPort(final int port)
        {
            this.metricsPort = port;
            return this;
        }

        Builder token(final TokenGrant grant)
        {
            tokens.add(grant);
            return this;
        }

        Builder staticRegion(final String name, final long size)
        {
            staticRegions.add(new StaticRegion(name, size));
            return this;
        }

        Builder privateRegion(final String pattern)
        {
            privateRegions.add(pattern);
            return this;
        }

        public DaemonConfig build()
        {
            return new DaemonConfig(this);
        }
    }
}
