package io.zerocp.daemon;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.util.HashMap;
import java.util.Map;

/**
 * What the daemon's parts share, in the style of Aeron's {@code MediaDriver.Context}: the settings, the clocks, the
 * process probe, the counters and the conductor's inbox, passed whole to each part instead of one argument per
 * thing. {@link #conclude()} validates it once, before anything is created, so a mistake is one line and leaves
 * nothing behind; after that the context is only read.
 */
final class DaemonContext
{
    /**
     * The longest socket path: the kernel's {@code sun_path} holds 108 bytes with the terminating NUL, and the daemon
     * also binds {@code <socket>.fd}, three bytes longer.
     */
    static final int MAX_SOCKET_PATH_BYTES = 107 - SocketFiles.DESCRIPTOR_SOCKET_SUFFIX.length();
    /** The longest file name (NAME_MAX), which {@code <socket>.lock} must fit (see {@link OwnFiles#socketLock}). */
    private static final int MAX_FILE_NAME_BYTES = 255;
    static final String LOCK_SUFFIX = ".lock";

    private final DaemonConfig config;
    private final DaemonCounters counters = new DaemonCounters();
    private final ConductorInbox inbox = new ConductorInbox();
    private EpochClock epochClock = SystemEpochClock.INSTANCE;
    private NanoClock nanoClock = SystemNanoClock.INSTANCE;
    private ProcessProbe probe;
    private Path socketPath;
    private RegionFilePolicy filePolicy;
    private long openMaxBytes;
    private boolean concluded;
    private boolean fileWorkInline;
    private Runnable afterRegionFileOpen = () -> {};

    DaemonContext(final DaemonConfig config)
    {
        this.config = config;
    }

    DaemonContext epochClock(final EpochClock clock)
    {
        this.epochClock = clock;
        return this;
    }

    DaemonContext nanoClock(final NanoClock clock)
    {
        this.nanoClock = clock;
        return this;
    }

    DaemonContext processProbe(final ProcessProbe probe)
    {
        this.probe = probe;
        return this;
    }

    /**
     * Checks the settings and the machine they name, without changing anything: the values' rules, each region-mode
     * group, the socket path's length and what is at it, and that the shm and state directories are directories or
     * can be made. Safe to call twice.
     *
     * @throws ConfigException with one line saying what to change.
     */
    DaemonContext conclude() throws ConfigException
    {
        if (concluded)
        {
            return this;
        }
        config.validate();
        final Path socket = config.socketPath.toAbsolutePath().normalize();
        checkSocket(socket);
        checkDirectory("--shm-dir", config.shmDir);
        checkDirectory("--state-dir", config.stateDir);
        filePolicy = new RegionFilePolicy(config, lookUpGroups(config));
        openMaxBytes = config.openMaxBytes != DaemonConfig.DEFAULT_OPEN_MAX_BYTES ? config.openMaxBytes :
            halfOfFilesystem(config.shmDir);
        if (null == probe)
        {
            probe = new ProcfsProcessProbe();
        }
        socketPath = socket;
        concluded = true;
        return this;
    }

    private static void checkSocket(final Path socket) throws ConfigException
    {
        final int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES)
        {
            throw new ConfigException("--socket " + socket + " is " + bytes + " bytes long; choose a path of at most " +
                MAX_SOCKET_PATH_BYTES + " bytes (the kernel's limit is 107, and zerocpd also binds <socket>" +
                SocketFiles.DESCRIPTOR_SOCKET_SUFFIX + ")");
        }
        final Path name = socket.getFileName();
        if (null == name || name.toString().getBytes(StandardCharsets.UTF_8).length + LOCK_SUFFIX.length() >
            MAX_FILE_NAME_BYTES)
        {
            throw new ConfigException("--socket " + socket + ": choose a path whose last part is a file name");
        }
        final BasicFileAttributes attributes = attributes(socket);
        if (null != attributes && !attributes.isOther())
        {
            throw new ConfigException("--socket " + socket + " is " + describe(attributes) + ", not a socket; " +
                "remove it or choose another path");
        }
        checkDirectory("--socket's directory", socket.getParent());
    }

    /** The directory may be missing (it is created), but what is in its place, or above it, must be a directory. */
    private static void checkDirectory(final String option, final Path dir) throws ConfigException
    {
        Path existing = dir.toAbsolutePath().normalize();
        while (null != existing && !Files.exists(existing))
        {
            existing = existing.getParent();
        }
        if (null == existing)
        {
            return;
        }
        if (!Files.isDirectory(existing))
        {
            final BasicFileAttributes attributes = attributes(existing);
            throw new ConfigException(option + " " + dir + ": " + existing + " is " +
                (null == attributes ? "not a directory" : describe(attributes)) + "; choose a directory (it is " +
                "created if missing)");
        }
    }

    /** Half the size of the filesystem that holds (or will hold) {@code dir}; unbounded when it cannot be told. */
    private static long halfOfFilesystem(final Path dir)
    {
        Path existing = dir.toAbsolutePath().normalize();
        while (null != existing && !Files.exists(existing))
        {
            existing = existing.getParent();
        }
        try
        {
            final long total = null == existing ? 0 : Files.getFileStore(existing).getTotalSpace();
            return total > 0 ? total / 2 : Long.MAX_VALUE;
        }
        catch (final IOException ex)
        {
            return Long.MAX_VALUE;
        }
    }

    private static Map<String, GroupPrincipal> lookUpGroups(final DaemonConfig config) throws ConfigException
    {
        final Map<String, GroupPrincipal> groups = new HashMap<>();
        for (int i = 0; i < config.regionModes.size(); i++)
        {
            final String group = config.regionModes.get(i).group();
            if (null != group && !groups.containsKey(group))
            {
                try
                {
                    groups.put(group, FileSystems.getDefault().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(group));
                }
                catch (final IOException ex)
                {
                    throw new ConfigException("region-modes[" + i + "].group '" + group + "' does not exist on this " +
                        "machine; create it (groupadd " + group + ") or name another group");
                }
            }
        }
        return groups;
    }

    private static BasicFileAttributes attributes(final Path path)
    {
        try
        {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static String describe(final BasicFileAttributes attributes)
    {
        if (attributes.isRegularFile())
        {
            return "a regular file";
        }
        if (attributes.isDirectory())
        {
            return "a directory";
        }
        if (attributes.isSymbolicLink())
        {
            return "a symbolic link";
        }
        return "a special file";
    }

    private void requireConcluded()
    {
        if (!concluded)
        {
            throw new IllegalStateException("DaemonContext.conclude() was not called");
        }
    }

    DaemonConfig config()
    {
        return config;
    }

    EpochClock epochClock()
    {
        return epochClock;
    }

    NanoClock nanoClock()
    {
        return nanoClock;
    }

    ProcessProbe probe()
    {
        requireConcluded();
        return probe;
    }

    DaemonCounters counters()
    {
        return counters;
    }

    ConductorInbox inbox()
    {
        return inbox;
    }

    /**
     * Makes region files on the conductor thread, each creation answered in its own request (stepped drivers, which
     * must complete a creation deterministically); by default they are made on a worker thread.
     */
    DaemonContext fileWorkInline(final boolean inline)
    {
        this.fileWorkInline = inline;
        return this;
    }

    boolean fileWorkInline()
    {
        return fileWorkInline;
    }

    /**
     * Runs on the file worker between creating a region's file and reserving its pages: tests hold a creation there,
     * mid-way, for as long as they choose (a slow reservation on demand). Nothing by default.
     */
    DaemonContext afterRegionFileOpen(final Runnable hook)
    {
        this.afterRegionFileOpen = hook;
        return this;
    }

    Runnable afterRegionFileOpen()
    {
        return afterRegionFileOpen;
    }

    /** The socket path made absolute. */
    Path socketPath()
    {
        requireConcluded();
        return socketPath;
    }

    /**
     * With authentication off, the most bytes the dynamic regions may take together: {@code open-max-bytes}, or by
     * default half the shm directory's filesystem, so that clients nobody authenticated cannot fill it.
     */
    long openMaxBytes()
    {
        requireConcluded();
        return openMaxBytes;
    }

    RegionFilePolicy filePolicy()
    {
        requireConcluded();
        return filePolicy;
    }
}
