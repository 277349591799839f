package io.zerocp.daemon;

import io.zerocp.api.Protocol;

import java.io.FileDescriptor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The reply being built for the request in hand: ASCII in a direct buffer the transport sends from, plus an optional
 * file descriptor to pass with it. Reused for every request.
 */
final class ReplyBuffer
{
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(Protocol.MAX_REPLY_LENGTH);
    private final byte[] digits = new byte[20];
    private FileDescriptor fileDescriptor;
    private boolean deferred;

    ReplyBuffer clear()
    {
        buffer.clear();
        fileDescriptor = null;
        deferred = false;
        return this;
    }

    /** Marks the request in hand as answered later ({@link Transport#replyTo}): nothing is sent for it now. */
    void defer()
    {
        deferred = true;
    }

    boolean isDeferred()
    {
        return deferred;
    }

    ReplyBuffer put(final byte[] bytes)
    {
        buffer.put(bytes);
        return this;
    }

    ReplyBuffer put(final String ascii)
    {
        buffer.put(ascii.getBytes(StandardCharsets.UTF_8)); // cold paths only
        return this;
    }

    ReplyBuffer put(final long value)
    {
        long v = value;
        if (v == 0)
        {
            buffer.put((byte)'0');
            return this;
        }
        if (v < 0)
        {
            buffer.put((byte)'-');
            v = -v;
        }
        int i = digits.length;
        while (v > 0)
        {
            digits[--i] = (byte)('0' + (v % 10));
            v /= 10;
        }
        buffer.put(digits, i, digits.length - i);
        return this;
    }

    void attach(final FileDescriptor fd)
    {
        this.fileDescriptor = fd;
    }

    FileDescriptor fileDescriptor()
    {
        return fileDescriptor;
    }

    /** @return the bytes written so far. */
    int length()
    {
        return buffer.position();
    }

    /** @return a view of the whole buffer, whatever its position (a transport's segment over it is made once). */
    ByteBuffer wholeBuffer()
    {
        return buffer.duplicate().clear();
    }

    /** @return the buffer flipped for sending. */
    ByteBuffer flip()
    {
        return buffer.flip();
    }

    /** @return what has been written so far, as text (tests and logs). */
    String text()
    {
        final ByteBuffer view = buffer.duplicate().flip();
        final byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
