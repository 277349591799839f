package io.zerocp.daemon;

import java.nio.charset.StandardCharsets;

/**
 * A region name as a hash key over ASCII bytes, so a request can find its region without building a String.
 * <p>
 * Stored keys are immutable; the conductor keeps one mutable instance that it {@link #wrap}s over each request's
 * buffer for look-ups. {@code HashMap.get} calls {@code argument.equals(stored)}, which compares bytes.
 */
final class NameKey
{
    private byte[] buffer;
    private int offset;
    private int length;
    private int hash;

    private NameKey()
    {
    }

    static NameKey of(final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return new NameKey().wrap(bytes, 0, bytes.length);
    }

    static NameKey flyweight()
    {
        return new NameKey();
    }

    NameKey wrap(final byte[] buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        int h = 1;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            h = 31 * h + buffer[i];
        }
        this.hash = h;
        return this;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof NameKey))
        {
            return false;
        }
        final NameKey that = (NameKey)o;
        if (hash != that.hash || length != that.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer[offset + i] != that.buffer[that.offset + i])
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode()
    {
        return hash;
    }

    @Override
    public String toString()
    {
        return new String(buffer, offset, length, StandardCharsets.US_ASCII);
    }
}
