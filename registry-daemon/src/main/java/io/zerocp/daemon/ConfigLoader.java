package io.zerocp.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.zerocp.api.RegionNames;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Reads the JSON config and applies command-line overrides on top (flags win). Every mistake becomes a
 * {@link ConfigException} that names the key.
 */
public final class ConfigLoader
{
    private static final ObjectMapper MAPPER = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ConfigLoader()
    {
    }

    /** Command-line values; {@code null} means "not given". */
    public record Overrides(
        Path socket, Path shmDir, Path stateDir, Long leaseTtlMs, Long lingerMs, String socketMode, Integer metricsPort,
        String transport)
    {
        public static Overrides none()
        {
            return new Overrides(null, null, null, null, null, null, null, null);
        }
    }

    /**
     * @param configFile the JSON file, or {@code null} for defaults only.
     */
    public static DaemonConfig load(final Path configFile, final Overrides overrides) throws ConfigException
    {
        final ConfigFile file = null == configFile ? new ConfigFile() : read(configFile);
        return build(file, overrides);
    }

    /** Parses config text (tests, tools). */
    public static DaemonConfig parse(final String json, final Overrides overrides) throws ConfigException
    {
        try
        {
            return build(requireObject(MAPPER.readValue(json, ConfigFile.class), "config"), overrides);
        }
        catch (final JsonProcessingException ex)
        {
            throw describe(ex, "config");
        }
    }

    private static ConfigFile read(final Path configFile) throws ConfigException
    {
        try
        {
            return requireObject(MAPPER.readValue(Files.readAllBytes(configFile), ConfigFile.class),
                configFile.toString());
        }
        catch (final NoSuchFileException ex)
        {
            throw new ConfigException("config file " + configFile + " does not exist");
        }
        catch (final JsonProcessingException ex)
        {
            throw describe(ex, configFile.toString());
        }
        catch (final IOException ex)
        {
            throw new ConfigException("cannot read config file " + configFile + ": " + ex.getMessage());
        }
    }

    /** Jackson maps a JSON {@code null} document to a null object rather than failing. */
    private static ConfigFile requireObject(final ConfigFile file, final String source) throws ConfigException
    {
        if (null == file)
        {
            throw new ConfigException(source + ": must be a JSON object, not null");
        }
        return file;
    }

    private static ConfigException describe(final JsonProcessingException ex, final String source)
    {
        if (ex instanceof UnrecognizedPropertyException)
        {
            final UnrecognizedPropertyException u = (UnrecognizedPropertyException)ex;
            return new ConfigException(source + ": unknown key '" + path(u) + "'");
        }
        if (ex instanceof JsonMappingException && !((JsonMappingException)ex).getPath().isEmpty())
        {
            return new ConfigException(source + ": bad value for '" + path((JsonMappingException)ex) + "'" +
                " (" + firstLine(ex.getOriginalMessage()) + ")");
        }
        final String where = null == ex.getLocation() ? "" : " at line " + ex.getLocation().getLineNr();
        return new ConfigException(source + ": not valid JSON" + where + " (" + firstLine(ex.getOriginalMessage()) + ")");
    }

    private static String path(final JsonMappingException ex)
    {
        final StringBuilder sb = new StringBuilder();
        for (final JsonMappingException.Reference ref : ex.getPath())
        {
            if (null != ref.getFieldName())
            {
                if (sb.length() > 0)
                {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
            else if (ref.getIndex() >= 0)
            {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String firstLine(final String s)
    {
        if (null == s)
        {
            return "";
        }
        final int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static DaemonConfig build(final ConfigFile f, final Overrides o) throws ConfigException
    {
        final DaemonConfig.Builder b = DaemonConfig.builder();

        final Path socket = null != o.socket() ? o.socket() : null != f.socket ? Paths.get(f.socket) : null;
        if (null != socket)
        {
            b.socketPath = socket;
        }
        final Path shmDir = null != o.shmDir() ? o.shmDir() : null != f.shmDir ? Paths.get(f.shmDir) : null;
        if (null != shmDir)
        {
            b.shmDir = shmDir;
        }
        final Path stateDir = null != o.stateDir() ? o.stateDir() : null != f.stateDir ? Paths.get(f.stateDir) : null;
        b.stateDir = stateDir;

        final String socketMode = null != o.socketMode() ? o.socketMode() : f.socketMode;
        if (null != socketMode)
        {
            b.socketMode = mode("socket-mode", socketMode);
        }
        if (null != f.regionMode)
        {
            b.regionMode = mode("region-mode", f.regionMode);
        }

        b.defaultRegionSize = positive("default-region-size", f.defaultRegionSize, b.defaultRegionSize);
        b.maxRegionSize = positive("max-region-size", f.maxRegionSize, b.maxRegionSize);
        if (b.defaultRegionSize > b.maxRegionSize)
        {
            throw new ConfigException("default-region-size " + b.defaultRegionSize + " is above max-region-size " +
                b.maxRegionSize);
        }
        b.leaseTtlMs = positive("lease-ttl-ms", null != o.leaseTtlMs() ? o.leaseTtlMs() : f.leaseTtlMs, b.leaseTtlMs);
        b.lingerMs = nonNegative("linger-ms", null != o.lingerMs() ? o.lingerMs() : f.lingerMs, b.lingerMs);
        b.livenessPollMs = positive("liveness-poll-ms", f.livenessPollMs, b.livenessPollMs);
        b.authFailuresPerSender = (int)positive("auth-failures-per-sender",
            null == f.authFailuresPerSender ? null : f.authFailuresPerSender.longValue(), b.authFailuresPerSender);
        b.authFailuresGlobal = (int)positive("auth-failures-global",
            null == f.authFailuresGlobal ? null : f.authFailuresGlobal.longValue(), b.authFailuresGlobal);
        b.authFailureWindowMs = positive("auth-failure-window-ms", f.authFailureWindowMs, b.authFailureWindowMs);
        final String transport = null != o.transport() ? o.transport() : f.transport;
        if (null != transport)
        {
            try
            {
                b.transport = TransportKind.parse(transport);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigException(ex.getMessage());
            }
        }
        final Integer metricsPort = null != o.metricsPort() ? o.metricsPort() : f.metricsPort;
        if (null != metricsPort)
        {
            if (metricsPort < 0 || metricsPort > 65535)
            {
                throw new ConfigException("metrics-port must be 0 (off) to 65535, not " + metricsPort);
            }
            b.metricsPort = metricsPort;
        }

        if (null != f.regionModes)
        {
            for (int i = 0; i < f.regionModes.size(); i++)
            {
                final ConfigFile.RegionModeEntry e = f.regionModes.get(i);
                final String key = "region-modes[" + i + "]";
                b.regionModes.add(new DaemonConfig.RegionMode(
                    pattern(key + ".pattern", null == e ? null : e.pattern),
                    mode(key + ".mode", e.mode),
                    group(key + ".group", e.group)));
            }
        }

        final Set<String> staticNames = new HashSet<>();
        if (null != f.regions)
        {
            for (int i = 0; i < f.regions.size(); i++)
            {
                final ConfigFile.StaticRegionEntry e = f.regions.get(i);
                final String key = "regions[" + i + "]";
                if (null == e || !RegionNames.isValid(e.name))
                {
                    throw new ConfigException(key + ".name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
                }
                if (!staticNames.add(e.name))
                {
                    throw new ConfigException(key + ".name '" + e.name + "' is listed twice");
                }
                final long size = positive(key + ".size", e.size, b.defaultRegionSize);
                if (size > b.maxRegionSize)
                {
                    throw new ConfigException(key + ".size " + size + " is above max-region-size");
                }
                b.staticRegions.add(new DaemonConfig.StaticRegion(e.name, size));
            }
        }

        if (null != f.privateRegions)
        {
            for (int i = 0; i < f.privateRegions.size(); i++)
            {
                b.privateRegions.add(pattern("private-regions[" + i + "]", f.privateRegions.get(i)));
            }
        }

        if (null != f.tokens)
        {
            final Set<String> ids = new HashSet<>();
            for (int i = 0; i < f.tokens.size(); i++)
            {
                final TokenGrant grant = token("tokens[" + i + "]", f.tokens.get(i));
                if (!ids.add(grant.id))
                {
                    throw new ConfigException("tokens[" + i + "].id '" + grant.id + "' is used twice");
                }
                b.tokens.add(grant);
            }
        }
        final Set<String> tokenIds = new HashSet<>();
        b.tokens.forEach(t -> tokenIds.add(t.id));
        b.credentialRules.addAll(CredentialRuleParser.parse(f.credentials, tokenIds));
        return b.build();
    }

    private static TokenGrant token(final String key, final ConfigFile.TokenEntry e) throws ConfigException
    {
        if (null == e)
        {
            throw new ConfigException(key + " is null");
        }
        if (null == e.id || e.id.isEmpty() || e.id.length() > 64 || !e.id.chars().allMatch(c -> c > ' ' && c < 0x7F))
        {
            throw new ConfigException(key + ".id must be 1 to 64 printable ASCII characters");
        }
        if (null == e.sha256 || !e.sha256.matches("[0-9a-fA-F]{64}"))
        {
            throw new ConfigException(key + ".sha256 must be 64 hex digits (the SHA-256 of the token; " +
                "'bin/zerocp token' prints one)");
        }
        final byte[] hash = HexFormat.of().parseHex(e.sha256);
        final List<String> allow = null == e.allow ? List.of() : e.allow;
        for (int j = 0; j < allow.size(); j++)
        {
            pattern(key + ".allow[" + j + "]", allow.get(j));
        }
        return new TokenGrant(
            e.id,
            hash,
            allow,
            null == e.create || e.create,
            null != e.admin && e.admin,
            positive(key + ".max-regions", e.maxRegions, Long.MAX_VALUE),
            positive(key + ".max-bytes", e.maxBytes, Long.MAX_VALUE),
            positive(key + ".max-region-size", e.maxRegionSize, Long.MAX_VALUE));
    }

    static String pattern(final String key, final String pattern) throws ConfigException
    {
        if (!RegionNames.isValidPattern(pattern))
        {
            throw new ConfigException(key + " '" + pattern + "' is not a name pattern (name characters and *)");
        }
        return pattern;
    }

    private static Set<PosixFilePermission> mode(final String key, final String text) throws ConfigException
    {
        final Set<PosixFilePermission> mode = FileModes.parse(text);
        if (null == mode)
        {
            throw new ConfigException(key + " '" + text + "' is not an octal file mode such as \"0660\"");
        }
        return mode;
    }

    private static String group(final String key, final String group) throws ConfigException
    {
        if (null != group && (group.isEmpty() || !group.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")))
        {
            throw new ConfigException(key + " '" + group + "' is not a group name");
        }
        return group;
    }

    static long positive(final String key, final Long value, final long fallback) throws ConfigException
    {
        if (null == value)
        {
            return fallback;
        }
        if (value <= 0)
        {
            throw new ConfigException(key + " must be positive, not " + value);
        }
        return value;
    }

    private static long nonNegative(final String key, final Long value, final long fallback) throws ConfigException
    {
        if (null == value)
        {
            return fallback;
        }
        if (value < 0)
        {
            throw new ConfigException(key + " must not be negative, not " + value);
        }
        return value;
    }
}
