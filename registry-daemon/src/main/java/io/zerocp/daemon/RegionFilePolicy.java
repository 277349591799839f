package io.zerocp.daemon;

import io.zerocp.api.RegionNames;

import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which mode and group a region's file gets, and which regions are private (reached by descriptor only), from
 * {@code region-mode}, {@code region-modes} and {@code private-regions}. The first matching {@code region-modes}
 * entry wins. Immutable; its groups were looked up once by {@link DaemonContext#conclude()}.
 */
final class RegionFilePolicy
{
    private static final Set<PosixFilePermission> OWNER_ONLY =
        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Set<PosixFilePermission> defaultMode;
    private final List<DaemonConfig.RegionMode> modes;
    private final List<String> privatePatterns;
    private final Map<String, GroupPrincipal> groups;

    RegionFilePolicy(final DaemonConfig config, final Map<String, GroupPrincipal> groups)
    {
        this.defaultMode = config.regionMode;
        this.modes = config.regionModes;
        this.privatePatterns = config.privateRegions;
        this.groups = Map.copyOf(groups);
    }

    boolean isPrivate(final String name)
    {
        for (int i = 0, n = privatePatterns.size(); i < n; i++)
        {
            if (RegionNames.matches(privatePatterns.get(i), name))
            {
                return true;
            }
        }
        return false;
    }

    Set<PosixFilePermission> modeFor(final String name)
    {
        if (isPrivate(name))
        {
            return OWNER_ONLY; // private regions are reached by descriptor only, so nobody else needs the file
        }
        final DaemonConfig.RegionMode mode = match(name);
        return null == mode ? defaultMode : mode.mode();
    }

    /** @return the group the file is given, or {@code null} to leave the daemon's. */
    GroupPrincipal groupFor(final String name)
    {
        if (isPrivate(name))
        {
            return null;
        }
        final DaemonConfig.RegionMode mode = match(name);
        return null == mode || null == mode.group() ? null : groups.get(mode.group());
    }

    private DaemonConfig.RegionMode match(final String name)
    {
        for (int i = 0, n = modes.size(); i < n; i++)
        {
            if (RegionNames.matches(modes.get(i).pattern(), name))
            {
                return modes.get(i);
            }
        }
        return null;
    }
}
