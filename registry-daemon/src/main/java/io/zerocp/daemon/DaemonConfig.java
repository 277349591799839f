package io.zerocp.daemon;

import io.zerocp.api.Protocol;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Everything the daemon is configured with, validated. Immutable; built by {@link ConfigLoader} or a {@link Builder}.
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
    final int metricsPort;
    final TransportKind transport;

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
        metricsPort = b.metricsPort;
        transport = b.transport;
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
        int metricsPort = 0;
        TransportKind transport = TransportKind.fromSystemProperty();

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

        public Builder transport(final TransportKind kind)
        {
            this.transport = kind;
            return this;
        }

        public Builder livenessPollMs(final long ms)
        {
            this.livenessPollMs = ms;
            return this;
        }

        /** Port for {@code 127.0.0.1:<port>/metrics}; 0 (the default) is off. */
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
