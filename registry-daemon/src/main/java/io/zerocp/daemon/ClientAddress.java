package io.zerocp.daemon;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A client's socket address as a value: the bytes of its path, or of its abstract name (every byte after the leading
 * NUL, exactly as the kernel gave it on the native transport; trailing NULs trimmed on junixsocket, see platform
 * notes). Leases and sessions are keyed by it.
 * <p>
 * Instances are immutable, except the look-up flyweight a transport keeps ({@link #flyweight}): it is refilled for
 * every datagram and never stored; {@link #copy()} makes the immutable key to store.
 */
public final class ClientAddress
{
    private final byte[] bytes;
    private int length;
    private boolean abstractName;
    private int hash;

    public ClientAddress(final byte[] bytes, final boolean abstractName)
    {
        this.bytes = bytes;
        this.length = bytes.length;
        this.abstractName = abstractName;
        this.hash = hash(bytes, bytes.length, abstractName);
    }

    /** @return a mutable address over a buffer of {@code capacity} bytes, for look-ups that must not allocate. */
    static ClientAddress flyweight(final int capacity)
    {
        return new ClientAddress(new byte[capacity], false);
    }

    /** @return the flyweight's buffer, to fill before {@link #wrap}. */
    byte[] buffer()
    {
        return bytes;
    }

    /** Makes this flyweight the address of the first {@code length} bytes of its {@link #buffer()}. */
    ClientAddress wrap(final int length, final boolean abstractName)
    {
        this.length = length;
        this.abstractName = abstractName;
        this.hash = hash(bytes, length, abstractName);
        return this;
    }

    /** @return an immutable copy, safe to store as a key. */
    ClientAddress copy()
    {
        return new ClientAddress(Arrays.copyOf(bytes, length), abstractName);
    }

    private static int hash(final byte[] bytes, final int length, final boolean abstractName)
    {
        int h = 1;
        for (int i = 0; i < length; i++)
        {
            h = 31 * h + bytes[i];
        }
        return 31 * h + (abstractName ? 1 : 0);
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

    /** @return the raw bytes; callers must not modify them. Not for flyweights. */
    public byte[] bytes()
    {
        return bytes.length == length ? bytes : Arrays.copyOf(bytes, length);
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
        return hash == that.hash && abstractName == that.abstractName &&
            Arrays.equals(bytes, 0, length, that.bytes, 0, that.length);
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
        final StringBuilder sb = new StringBuilder(length + 1);
        if (abstractName)
        {
            sb.append('@');
        }
        for (int i = 0; i < length; i++)
        {
            final int c = bytes[i] & 0xFF;
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
