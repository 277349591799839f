package io.zerocp.api;

/**
 * The region-name grammar: {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,63}}.
 * <p>
 * The first character is alphanumeric, so no name is {@code .} or {@code ..}, none starts with a dot (hidden files)
 * or a dash (options), and with no slash a name can never leave the shm directory.
 */
public final class RegionNames
{
    /** Longest valid name. */
    public static final int MAX_LENGTH = 64;

    private RegionNames()
    {
    }

    /**
     * @param name a candidate name, possibly {@code null}.
     * @return whether it is a valid region name.
     */
    public static boolean isValid(final CharSequence name)
    {
        if (null == name)
        {
            return false;
        }
        final int length = name.length();
        if (length < 1 || length > MAX_LENGTH || !isAlphanumeric(name.charAt(0)))
        {
            return false;
        }
        for (int i = 1; i < length; i++)
        {
            if (!isNameChar(name.charAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Allocation-free check of a name held as ASCII bytes.
     *
     * @return whether the {@code length} bytes at {@code offset} form a valid name.
     */
    public static boolean isValid(final byte[] buffer, final int offset, final int length)
    {
        if (length < 1 || length > MAX_LENGTH || !isAlphanumeric((char)(buffer[offset] & 0xFF)))
        {
            return false;
        }
        for (int i = 1; i < length; i++)
        {
            if (!isNameChar((char)(buffer[offset + i] & 0xFF)))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Simple wildcard match used by token policies: {@code *} matches any run of name characters, everything else
     * matches itself.
     *
     * @param pattern a pattern such as {@code video_*}.
     * @param name    a valid region name.
     * @return whether the name matches.
     */
    public static boolean matches(final String pattern, final CharSequence name)
    {
        // Greedy with one backtrack point (the last star): O(pattern x name) at worst. Recursive backtracking over
        // every star is exponential, and a client picks the name: "*a*a*a*a*a*a*b" against 64 a's took seconds.
        int p = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length())
        {
            if (p < pattern.length() && pattern.charAt(p) == '*')
            {
                star = p++;
                resume = n;
            }
            else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n))
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*')
        {
            p++;
        }
        return p == pattern.length();
    }

    /**
     * @param pattern a candidate pattern.
     * @return whether it is a valid name pattern: name characters and {@code *}, 1 to 64 long.
     */
    public static boolean isValidPattern(final String pattern)
    {
        if (null == pattern || pattern.isEmpty() || pattern.length() > MAX_LENGTH)
        {
            return false;
        }
        for (int i = 0; i < pattern.length(); i++)
        {
            final char c = pattern.charAt(i);
            if (c != '*' && !isNameChar(c))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isNameChar(final char c)
    {
        return isAlphanumeric(c) || c == '_' || c == '.' || c == '-';
    }
}
