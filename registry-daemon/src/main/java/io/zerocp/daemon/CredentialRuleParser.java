package io.zerocp.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the config's {@code credentials} entries into {@link CredentialRule}s: each names exactly one of {@code uid},
 * {@code user}, {@code gid} or {@code group} (names are looked up in {@code /etc/passwd} and {@code /etc/group} when
 * the config is read, so a rename needs a reload), plus the rights a token entry has and {@code read-only}.
 */
final class CredentialRuleParser
{
    private CredentialRuleParser()
    {
    }

    static List<CredentialRule> parse(final List<ConfigFile.CredentialEntry> entries, final Set<String> tokenIds)
        throws ConfigException
    {
        final List<CredentialRule> rules = new ArrayList<>();
        if (null == entries)
        {
            return rules;
        }
        for (int i = 0; i < entries.size(); i++)
        {
            rules.add(rule("credentials[" + i + "]", entries.get(i), tokenIds));
        }
        return rules;
    }

    private static CredentialRule rule(final String key, final ConfigFile.CredentialEntry e, final Set<String> tokenIds)
        throws ConfigException
    {
        if (null == e)
        {
            throw new ConfigException(key + " is null");
        }
        final int named = (null != e.uid ? 1 : 0) + (null != e.user ? 1 : 0) + (null != e.gid ? 1 : 0) +
            (null != e.group ? 1 : 0);
        if (named != 1)
        {
            throw new ConfigException(key + " must name exactly one of uid, user, gid or group");
        }
        int uid = -1;
        int gid = -1;
        final String who;
        if (null != e.uid)
        {
            uid = id(key + ".uid", e.uid);
            who = "uid " + uid;
        }
        else if (null != e.user)
        {
            uid = lookUp(key + ".user", e.user, Path.of("/etc/passwd"), "user");
            who = "user " + e.user;
        }
        else if (null != e.gid)
        {
            gid = id(key + ".gid", e.gid);
            who = "gid " + gid;
        }
        else
        {
            gid = lookUp(key + ".group", e.group, Path.of("/etc/group"), "group");
            who = "group " + e.group;
        }
        if (null != e.token && !tokenIds.contains(e.token))
        {
            throw new ConfigException(key + ".token '" + e.token + "' is not the id of a configured token");
        }
        final List<String> allow = null == e.allow ? List.of() : e.allow;
        for (int j = 0; j < allow.size(); j++)
        {
            if (!io.zerocp.api.RegionNames.isValidPattern(allow.get(j)))
            {
                throw new ConfigException(key + ".allow[" + j + "] '" + allow.get(j) +
                    "' is not a name pattern (name characters and *)");
            }
        }
        final boolean readOnly = null != e.readOnly && e.readOnly;
        final TokenGrant grant = new TokenGrant(
            "credentials[" + who + "]",
            null,
            allow,
            !readOnly && (null == e.create || e.create),
            null != e.admin && e.admin,
            positive(key + ".max-regions", e.maxRegions),
            positive(key + ".max-bytes", e.maxBytes),
            positive(key + ".max-region-size", e.maxRegionSize),
            readOnly);
        return new CredentialRule(uid, gid, who, e.token, grant);
    }

    private static long positive(final String key, final Long value) throws ConfigException
    {
        if (null == value)
        {
            return Long.MAX_VALUE;
        }
        if (value <= 0)
        {
            throw new ConfigException(key + " must be positive, not " + value);
        }
        return value;
    }

    private static int id(final String key, final Long value) throws ConfigException
    {
        if (value < 0 || value > 0xFFFF_FFFEL)
        {
            throw new ConfigException(key + " must be a uid or gid from 0 to 4294967294, not " + value);
        }
        return (int)(long)value;
    }

    /** @return the id of {@code name} in a passwd-format file (name:x:id:...). */
    private static int lookUp(final String key, final String name, final Path file, final String kind)
        throws ConfigException
    {
        try
        {
            for (final String line : Files.readAllLines(file))
            {
                final String[] fields = line.split(":", -1);
                if (fields.length > 2 && fields[0].equals(name))
                {
                    return (int)Long.parseLong(fields[2]);
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            throw new ConfigException(key + ": cannot read " + file + ": " + ex.getMessage());
        }
        throw new ConfigException(key + ": no " + kind + " '" + name + "' in " + file);
    }
}
