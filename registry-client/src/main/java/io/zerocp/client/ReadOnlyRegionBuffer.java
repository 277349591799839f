package io.zerocp.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A read-only view of a region: a {@link DirectBuffer} that is nothing else, so no cast turns it into something
 * that writes (a write to a read-only mapping would kill the JVM with SIGSEGV). It cannot be re-pointed
 * ({@code wrap} throws) and hands out no {@link ByteBuffer}. Volatile and acquire reads are here too, for reading
 * words another process publishes. Closing the region makes every access throw {@link IndexOutOfBoundsException}.
 */
public final class ReadOnlyRegionBuffer implements DirectBuffer
{
    private final UnsafeBuffer buffer;

    ReadOnlyRegionBuffer(final UnsafeBuffer buffer)
    {
        this.buffer = buffer;
    }

    /** @return the long at {@code index}, read with volatile semantics. */
    public long getLongVolatile(final int index)
    {
        return buffer.getLongVolatile(index);
    }

    /** @return the long at {@code index}, read with acquire semantics. */
    public long getLongAcquire(final int index)
    {
        return buffer.getLongAcquire(index);
    }

    /** @return the int at {@code index}, read with volatile semantics. */
    public int getIntVolatile(final int index)
    {
        return buffer.getIntVolatile(index);
    }

    /** @return the int at {@code index}, read with acquire semantics. */
    public int getIntAcquire(final int index)
    {
        return buffer.getIntAcquire(index);
    }

    @Override
    public void wrap(final byte[] a0)
    {
        throw new UnsupportedOperationException("a region view cannot be re-pointed");
    }

    @Override
    public void wrap(final byte[] a0, final int a1, final int a2)
    {
        throw new UnsupportedOperationException("a region view cannot be re-pointed");
    }

    @Override
    public void wrap(final ByteBuffer a0)
    {
        throw new UnsupportedOperationException("a region view cannot be re-pointed");
    }

    @Override
    public void wrap(final ByteBuffer a0, final int a1, final int a2)
    {
        throw new UnsupportedOperationException("a region view cannot be re-pointed");
    }

    @Override
    public void wrap(final DirectBuffer a0)
    {
        throw new UnsupportedOperationException("a region view cannot be re-pointed");
    }

    @Override
    public void wrap(final DirectBuffer a0, final int a1, final int a2)
    {
        throw new UnsupportedOperationException("a region view cannot be re-pointed");
    }

    @Override
    public void wrap(final long a0, final int a1)
    {
        throw new UnsupportedOperationException("a region view cannot be re-pointed");
    }

    @Override
    public long addressOffset()
    {
        return buffer.addressOffset();
    }

    @Override
    public byte[] byteArray()
    {
        return null;
    }

    @Override
    public ByteBuffer byteBuffer()
    {
        return null; // the mapping itself would be writable through a cast
    }

    @Override
    public int capacity()
    {
        return buffer.capacity();
    }

    @Override
    public void checkLimit(final int a0)
    {
        buffer.checkLimit(a0);
    }

    @Override
    public long getLong(final int a0, final ByteOrder a1)
    {
        return buffer.getLong(a0, a1);
    }

    @Override
    public long getLong(final int a0)
    {
        return buffer.getLong(a0);
    }

    @Override
    public int getInt(final int a0, final ByteOrder a1)
    {
        return buffer.getInt(a0, a1);
    }

    @Override
    public int getInt(final int a0)
    {
        return buffer.getInt(a0);
    }

    @Override
    public int parseNaturalIntAscii(final int a0, final int a1)
    {
        return buffer.parseNaturalIntAscii(a0, a1);
    }

    @Override
    public long parseNaturalLongAscii(final int a0, final int a1)
    {
        return buffer.parseNaturalLongAscii(a0, a1);
    }

    @Override
    public int parseIntAscii(final int a0, final int a1)
    {
        return buffer.parseIntAscii(a0, a1);
    }

    @Override
    public long parseLongAscii(final int a0, final int a1)
    {
        return buffer.parseLongAscii(a0, a1);
    }

    @Override
    public double getDouble(final int a0, final ByteOrder a1)
    {
        return buffer.getDouble(a0, a1);
    }

    @Override
    public double getDouble(final int a0)
    {
        return buffer.getDouble(a0);
    }

    @Override
    public float getFloat(final int a0, final ByteOrder a1)
    {
        return buffer.getFloat(a0, a1);
    }

    @Override
    public float getFloat(final int a0)
    {
        return buffer.getFloat(a0);
    }

    @Override
    public short getShort(final int a0, final ByteOrder a1)
    {
        return buffer.getShort(a0, a1);
    }

    @Override
    public short getShort(final int a0)
    {
        return buffer.getShort(a0);
    }

    @Override
    public char getChar(final int a0, final ByteOrder a1)
    {
        return buffer.getChar(a0, a1);
    }

    @Override
    public char getChar(final int a0)
    {
        return buffer.getChar(a0);
    }

    @Override
    public byte getByte(final int a0)
    {
        return buffer.getByte(a0);
    }

    @Override
    public void getBytes(final int a0, final byte[] a1)
    {
        buffer.getBytes(a0, a1);
    }

    @Override
    public void getBytes(final int a0, final byte[] a1, final int a2, final int a3)
    {
        buffer.getBytes(a0, a1, a2, a3);
    }

    @Override
    public void getBytes(final int a0, final MutableDirectBuffer a1, final int a2, final int a3)
    {
        buffer.getBytes(a0, a1, a2, a3);
    }

    @Override
    public void getBytes(final int a0, final ByteBuffer a1, final int a2)
    {
        buffer.getBytes(a0, a1, a2);
    }

    @Override
    public void getBytes(final int a0, final ByteBuffer a1, final int a2, final int a3)
    {
        buffer.getBytes(a0, a1, a2, a3);
    }

    @Override
    public String getStringAscii(final int a0)
    {
        return buffer.getStringAscii(a0);
    }

    @Override
    public int getStringAscii(final int a0, final Appendable a1)
    {
        return buffer.getStringAscii(a0, a1);
    }

    @Override
    public String getStringAscii(final int a0, final ByteOrder a1)
    {
        return buffer.getStringAscii(a0, a1);
    }

    @Override
    public int getStringAscii(final int a0, final Appendable a1, final ByteOrder a2)
    {
        return buffer.getStringAscii(a0, a1, a2);
    }

    @Override
    public String getStringAscii(final int a0, final int a1)
    {
        return buffer.getStringAscii(a0, a1);
    }

    @Override
    public int getStringAscii(final int a0, final int a1, final Appendable a2)
    {
        return buffer.getStringAscii(a0, a1, a2);
    }

    @Override
    public String getStringWithoutLengthAscii(final int a0, final int a1)
    {
        return buffer.getStringWithoutLengthAscii(a0, a1);
    }

    @Override
    public int getStringWithoutLengthAscii(final int a0, final int a1, final Appendable a2)
    {
        return buffer.getStringWithoutLengthAscii(a0, a1, a2);
    }

    @Override
    public String getStringUtf8(final int a0)
    {
        return buffer.getStringUtf8(a0);
    }

    @Override
    public String getStringUtf8(final int a0, final ByteOrder a1)
    {
        return buffer.getStringUtf8(a0, a1);
    }

    @Override
    public String getStringUtf8(final int a0, final int a1)
    {
        return buffer.getStringUtf8(a0, a1);
    }

    @Override
    public String getStringWithoutLengthUtf8(final int a0, final int a1)
    {
        return buffer.getStringWithoutLengthUtf8(a0, a1);
    }

    @Override
    public void boundsCheck(final int a0, final int a1)
    {
        buffer.boundsCheck(a0, a1);
    }

    @Override
    public int wrapAdjustment()
    {
        return buffer.wrapAdjustment();
    }

    @Override
    public int compareTo(final DirectBuffer that)
    {
        return buffer.compareTo(that);
    }

    @Override
    public boolean equals(final Object obj)
    {
        return obj instanceof ReadOnlyRegionBuffer && buffer.equals(((ReadOnlyRegionBuffer)obj).buffer);
    }

    @Override
    public int hashCode()
    {
        return buffer.hashCode();
    }

    @Override
    public String toString()
    {
        return "ReadOnlyRegionBuffer{capacity=" + buffer.capacity() + '}';
    }
}
