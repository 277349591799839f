package io.zerocp.daemon;

import org.agrona.collections.Long2ObjectHashMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Grants by kernel-verified identity (native transport): the first {@link CredentialRule} that matches the sender's
 * uid, or one of its groups, decides what it may do, as a token would. Each (rule, uid) pair gets its own grant, so a
 * rule's quotas count per uid. Conductor thread only.
 */
final class CredentialPolicy
{
    private static final int[] NO_GROUPS = new int[0];

    private volatile List<CredentialRule> rules;
    private final Long2ObjectHashMap<TokenGrant> grantsByRuleAndUid = new Long2ObjectHashMap<>();

    CredentialPolicy(final List<CredentialRule> rules)
    {
        this.rules = List.copyOf(rules);
    }

    boolean enabled()
    {
        return !rules.isEmpty();
    }

    /** Replaces the rules (SIGHUP reload); grants already given stay with their sessions. */
    void replace(final List<CredentialRule> newRules)
    {
        this.rules = List.copyOf(newRules);
        grantsByRuleAndUid.clear();
    }

    /**
     * @param tokenGrant the grant of the token the session authenticated with, or null.
     * @return the grant of the first matching rule, or null when none matches.
     */
    TokenGrant grantFor(final int uid, final int gid, final int pid, final TokenGrant tokenGrant)
    {
        final List<CredentialRule> current = rules;
        int[] groups = null;
        for (int i = 0, n = current.size(); i < n; i++)
        {
            final CredentialRule rule = current.get(i);
            if (rule.gid() >= 0 && null == groups)
            {
                groups = groupsOf(pid, gid);
            }
            if (rule.matches(uid, null == groups ? NO_GROUPS : groups, tokenGrant))
            {
                final long key = ((long)i << 32) | (uid & 0xFFFF_FFFFL);
                TokenGrant grant = grantsByRuleAndUid.get(key);
                if (null == grant)
                {
                    grant = rule.grant().forUid(uid);
                    grantsByRuleAndUid.put(key, grant);
                }
                return grant;
            }
        }
        return null;
    }

    /**
     * The sender's groups: its gid from the kernel and its supplementary groups from {@code /proc/<pid>/status}
     * ({@code Groups:}). A process that is gone has only its gid.
     */
    static int[] groupsOf(final int pid, final int gid)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status")))
            {
                if (line.startsWith("Groups:"))
                {
                    final String list = line.substring("Groups:".length()).trim();
                    final String[] parts = list.isEmpty() ? new String[0] : list.split("\\s+");
                    final int[] groups = new int[parts.length + 1];
                    groups[0] = gid;
                    for (int i = 0; i < parts.length; i++)
                    {
                        groups[i + 1] = Integer.parseInt(parts[i]);
                    }
                    return groups;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // gone, or unreadable: the kernel's gid is all there is
        }
        return new int[] {gid};
    }
}
