package io.zerocp.daemon;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A client's socket address as a value: the bytes of its path, or of its abstract name (trailing NULs trimmed, see
 * platform notes). Leases and sessions are keyed by it.
 */
public final class ClientAddress
{
    private final byte[] bytes;
    private final boolean abstractName;
    private final int hash;

    public ClientAddress(final byte[] bytes, final boolean abstractName)
    {
        this.bytes = bytes;
        this.abstractName = abstractName;
        this.hash = 31 * Arrays.hashCode(bytes) + (abstractName ? 1 : 0);
    }

    /** @return a path-named address, for tests and tools. */
    public static ClientAddress ofPath(final String path)
    {
        return new ClientAddress(path.getBytes(StandardCharsets.UTF_8), false);
    }

    /** @return an abstract-namespace address, for tests and tools. */
    public static ClientAddress ofAbstract(final String name)
    {
        return new ClientAddress(name.getBytes(StandardCharsets.UTF_8), true);
    }

    /** @return the raw bytes; callers must not modify them. */
    public byte[] bytes()
    {
        return bytes;
    }

    public boolean isAbstract()
    {
        return abstractName;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof ClientAddress))
        {
            return false;
        }
        final ClientAddress that = (ClientAddress)o;
        return hash == that.hash && abstractName == that.abstractName && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode()
    {
        return hash;
    }

    /**
     * The address for logs: printable ASCII as is, every other byte as {@code \xNN}, so a client cannot forge log
     * lines with a newline or terminal escapes in the name it binds.
     */
    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(bytes.length + 1);
        if (abstractName)
        {
            sb.append('@');
        }
        for (final byte b : bytes)
        {
            final int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\')
            {
                sb.append((char)c);
            }
            else
            {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
