package io.zerocp.daemon;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Octal file modes as written in the config ({@code "0600"}, {@code "660"}).
 */
final class FileModes
{
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    private FileModes()
    {
    }

    /**
     * @return the permissions, or {@code null} when {@code text} is not an octal mode of at most 0777.
     */
    static Set<PosixFilePermission> parse(final String text)
    {
        if (null == text || text.isEmpty() || text.length() > 4)
        {
            return null;
        }
        int mode = 0;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '7')
            {
                return null;
            }
            mode = mode * 8 + (c - '0');
        }
        if (mode > 0777)
        {
            return null;
        }
        final Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < BITS.length; bit++)
        {
            if (0 != (mode & (1 << bit)))
            {
                permissions.add(BITS[bit]);
            }
        }
        return permissions;
    }

    static String format(final Set<PosixFilePermission> permissions)
    {
        return String.format("0%03o", bits(permissions));
    }

    /** @return the mode as the kernel's bits ({@code 0640}), for {@code open} and {@code fchmod}. */
    static int bits(final Set<PosixFilePermission> permissions)
    {
        int mode = 0;
        for (int bit = 0; bit < BITS.length; bit++)
        {
            if (permissions.contains(BITS[bit]))
            {
                mode |= 1 << bit;
            }
        }
        return mode;
    }
}
