package io.zerocp.api;

import java.nio.charset.StandardCharsets;

/**
 * A parsed request, reused from one datagram to the next so the hot path allocates nothing.
 * <p>
 * Views ({@link #nameOffset()}, {@link #tokenOffset()}) point into the buffer the request was parsed from and are
 * valid until the next parse into this instance.
 */
public final class Request
{
    /** Marks a numeric argument that was not given. */
    public static final long ABSENT = -1;

    byte[] buffer;
    Verb verb;
    ErrorReply error;
    int nameOffset;
    int nameLength;
    long size;
    boolean readOnly;
    long processId;
    int tokenOffset;
    int tokenLength;
    long offset;

    void reset(final byte[] buffer)
    {
        this.buffer = buffer;
        verb = null;
        error = null;
        nameOffset = 0;
        nameLength = 0;
        size = ABSENT;
        readOnly = false;
        processId = ABSENT;
        tokenOffset = 0;
        tokenLength = 0;
        offset = ABSENT;
    }

    /** @return the verb, or {@code null} when the verb itself was not understood. */
    public Verb verb()
    {
        return verb;
    }

    /** @return the error to reply with, or {@code null} when the request is well formed. */
    public ErrorReply error()
    {
        return error;
    }

    /** @return whether the request is well formed. */
    public boolean isValid()
    {
        return null == error;
    }

    /** @return the buffer the views point into. */
    public byte[] buffer()
    {
        return buffer;
    }

    /** @return whether a region name was given (bare {@code GET_SHM_PATH} has none). */
    public boolean hasName()
    {
        return nameLength > 0;
    }

    public int nameOffset()
    {
        return nameOffset;
    }

    public int nameLength()
    {
        return nameLength;
    }

    /** @return the name as a new String (allocates; for logs and cold paths). */
    public String name()
    {
        return hasName() ? new String(buffer, nameOffset, nameLength, StandardCharsets.US_ASCII) : null;
    }

    /** @return {@code size=} in bytes, or {@link #ABSENT}. */
    public long size()
    {
        return size;
    }

    /** @return whether {@code mode=ro} was given. */
    public boolean readOnly()
    {
        return readOnly;
    }

    /** @return {@code process_id=}, or {@link #ABSENT}. */
    public long processId()
    {
        return processId;
    }

    public int tokenOffset()
    {
        return tokenOffset;
    }

    public int tokenLength()
    {
        return tokenLength;
    }

    /** @return {@code offset=} of a paged admin request, or {@link #ABSENT}. */
    public long offset()
    {
        return offset;
    }

    @Override
    public String toString()
    {
        return "Request{verb=" + verb + ", error=" + error + ", name=" + name() + ", size=" + size +
            ", readOnly=" + readOnly + ", processId=" + processId + ", offset=" + offset + '}';
    }
}
