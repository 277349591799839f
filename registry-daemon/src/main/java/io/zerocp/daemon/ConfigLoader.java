package io.zerocp.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads the JSON config and applies command-line overrides on top (flags win). It only parses: a file that is not
 * JSON of the right shape, or a value that is not a mode or a hash, is a {@link ConfigException} naming the key here;
 * the rules on the values are {@link DaemonConfig#validate()}, run by {@link #load} and {@link #parse} too.
 */
public final class ConfigLoader
{
    /** The largest config file read (1 MiB): a config is a few kilobytes, tokens and all. */
    static final int MAX_CONFIG_BYTES = 1 << 20;
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
        return build(file, overrides).validate();
    }

    /** Parses config text (tests, tools). */
    public static DaemonConfig parse(final String json, final Overrides overrides) throws ConfigException
    {
        try
        {
            return build(requireObject(MAPPER.readValue(json, ConfigFile.class), "config"), overrides).validate();
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
            return requireObject(MAPPER.readValue(readBounded(configFile), ConfigFile.class), configFile.toString());
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

    /**
     * Reads at most {@link #MAX_CONFIG_BYTES} of a regular file. A reload (SIGHUP) reads whatever the name points at
     * by then: a link to {@code /dev/zero} once grew the daemon by a gigabyte, and a FIFO blocked it. The name is
     * examined first (following links: a config may well be one), and the file opened must be that same regular
     * file. What stays: a name swapped for a FIFO between the look and the open blocks that one reload's thread on
     * the open (Java opens no file with {@code O_NONBLOCK}); the daemon serves on.
     */
    static byte[] readBounded(final Path configFile) throws IOException, ConfigException
    {
        final BasicFileAttributes named = Files.readAttributes(configFile, BasicFileAttributes.class);
        if (!named.isRegularFile())
        {
            throw new ConfigException("config file " + configFile + " is " + (named.isDirectory() ? "a directory" :
                named.isOther() ? "a device, FIFO or socket" : "not a regular file") + "; it must be a regular file " +
                "of at most " + MAX_CONFIG_BYTES + " bytes");
        }
        if (named.size() > MAX_CONFIG_BYTES)
        {
            throw new ConfigException(tooLarge(configFile));
        }
        try (FileChannel in = FileChannel.open(configFile, StandardOpenOption.READ))
        {
            final BasicFileAttributes opened = OpenFiles.attributes(in);
            if (!opened.isRegularFile() || !Objects.equals(opened.fileKey(), named.fileKey()))
            {
                throw new ConfigException("config file " + configFile + " changed while it was being read; " +
                    "try again");
            }
            final ByteBuffer bytes = ByteBuffer.allocate((int)Math.min(MAX_CONFIG_BYTES, named.size()) + 1);
            while (bytes.hasRemaining() && in.read(bytes) >= 0)
            {
                // read until the end, or one byte past what it may have
            }
            if (!bytes.hasRemaining())
            {
                throw new ConfigException(bytes.capacity() > MAX_CONFIG_BYTES ? tooLarge(configFile) :
                    "config file " + configFile + " changed while it was being read; try again");
            }
            return Arrays.copyOf(bytes.array(), bytes.position());
        }
    }

    private static String tooLarge(final Path configFile)
    {
        return "config file " + configFile + " is larger than " + MAX_CONFIG_BYTES + " bytes, the most zerocpd reads";
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

    /** Copies what the file and the flags say into a builder; the rules on the values are {@link DaemonConfig#validate}. */
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
        b.stateDir = null != o.stateDir() ? o.stateDir() : null != f.stateDir ? Paths.get(f.stateDir) : null;

        final String socketMode = null != o.socketMode() ? o.socketMode() : f.socketMode;
        if (null != socketMode)
        {
            b.socketMode = mode("socket-mode", socketMode);
        }
        if (null != f.regionMode)
        {
            b.regionMode = mode("region-mode", f.regionMode);
        }

        b.defaultRegionSize = orElse(f.defaultRegionSize, b.defaultRegionSize);
        b.maxRegionSize = orElse(f.maxRegionSize, b.maxRegionSize);
        b.leaseTtlMs = orElse(null != o.leaseTtlMs() ? o.leaseTtlMs() : f.leaseTtlMs, b.leaseTtlMs);
        b.lingerMs = orElse(null != o.lingerMs() ? o.lingerMs() : f.lingerMs, b.lingerMs);
        b.livenessPollMs = orElse(f.livenessPollMs, b.livenessPollMs);
        b.authFailuresPerSender = null == f.authFailuresPerSender ? b.authFailuresPerSender : f.authFailuresPerSender;
        b.authFailuresGlobal = null == f.authFailuresGlobal ? b.authFailuresGlobal : f.authFailuresGlobal;
        b.authFailureWindowMs = orElse(f.authFailureWindowMs, b.authFailureWindowMs);
        b.maxSessions = null == f.maxSessions ? b.maxSessions : f.maxSessions;
        b.maxSessionsPerUid = null == f.maxSessionsPerUid ? b.maxSessionsPerUid : f.maxSessionsPerUid;
        b.maxKeptDescriptors = null == f.maxKeptDescriptors ? b.maxKeptDescriptors : f.maxKeptDescriptors;
        b.maxRegionsPerUid = null == f.maxRegionsPerUid ? b.maxRegionsPerUid : f.maxRegionsPerUid;
        b.journalSharePerUid = null == f.journalSharePerUid ? b.journalSharePerUid : f.journalSharePerUid;
        b.maxUnheldRegions = null == f.maxUnheldRegions ? b.maxUnheldRegions : f.maxUnheldRegions;
        b.journalReserveBytes = orElse(f.journalReserveBytes, b.journalReserveBytes);
        b.openMaxBytes = orElse(f.openMaxBytes, b.openMaxBytes);
        b.shmMinBytes = orElse(f.shmMinBytes, b.shmMinBytes);
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
            b.metricsPort = metricsPort;
        }
        b.metricsPerUid = f.metricsPerUid;

        if (null != f.regionModes)
        {
            for (int i = 0; i < f.regionModes.size(); i++)
            {
                final ConfigFile.RegionModeEntry e = f.regionModes.get(i);
                final String key = "region-modes[" + i + "]";
                if (null == e)
                {
                    throw new ConfigException(key + " is null");
                }
                b.regionModes.add(new DaemonConfig.RegionMode(e.pattern, mode(key + ".mode", e.mode), e.group));
            }
        }

        if (null != f.regions)
        {
            for (int i = 0; i < f.regions.size(); i++)
            {
                final ConfigFile.StaticRegionEntry e = f.regions.get(i);
                if (null == e)
                {
                    throw new ConfigException("regions[" + i + "].name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
                }
                b.staticRegions.add(new DaemonConfig.StaticRegion(e.name, orElse(e.size, b.defaultRegionSize)));
            }
        }

        if (null != f.privateRegions)
        {
            b.privateRegions.addAll(noNulls("private-regions", f.privateRegions));
        }

        if (null != f.tokens)
        {
            for (int i = 0; i < f.tokens.size(); i++)
            {
                b.tokens.add(token("tokens[" + i + "]", f.tokens.get(i)));
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
        if (null == e.id)
        {
            throw new ConfigException(key + ".id must be 1 to 64 printable ASCII characters");
        }
        if (null == e.sha256 || !e.sha256.matches("[0-9a-fA-F]{64}"))
        {
            throw new ConfigException(key + ".sha256 must be 64 hex digits (the SHA-256 of the token; " +
                "'bin/zerocp token' prints one)");
        }
        return new TokenGrant(
            e.id,
            HexFormat.of().parseHex(e.sha256),
            null == e.allow ? List.of() : noNulls(key + ".allow", e.allow),
            null == e.create || e.create,
            null != e.admin && e.admin,
            orElse(e.maxRegions, Long.MAX_VALUE),
            orElse(e.maxBytes, Long.MAX_VALUE),
            orElse(e.maxRegionSize, Long.MAX_VALUE));
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

    /** A JSON {@code null} in a list of patterns is no pattern. */
    private static List<String> noNulls(final String key, final List<String> patterns) throws ConfigException
    {
        for (int i = 0; i < patterns.size(); i++)
        {
            if (null == patterns.get(i))
            {
                throw new ConfigException(key + "[" + i + "] 'null' is not a name pattern (name characters and *)");
            }
        }
        return patterns;
    }

    private static long orElse(final Long value, final long fallback)
    {
        return null == value ? fallback : value;
    }
}
