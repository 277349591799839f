package io.zerocp.api;

import java.nio.charset.StandardCharsets;

/**
 * Every failure reply the daemon sends. The text after {@code ERROR: } is part of the contract.
 */
public enum ErrorReply
{
    /** The verb is not one the daemon knows (the seed's reply, byte for byte). */
    UNKNOWN_COMMAND("Unknown command"),
    /** Unknown, repeated or empty keys, or a value out of range. */
    INVALID_ARGUMENT("Invalid argument"),
    /** The region name breaks the name grammar. */
    INVALID_NAME("Invalid name"),
    /** The datagram was longer than {@link Protocol#MAX_REQUEST_LENGTH}; it was not acted on. */
    MESSAGE_TOO_LONG("Message too long"),
    /** {@code GET_SHM_SIZE} or an open-only request named a region that does not exist. */
    NO_SUCH_REGION("No such region"),
    /** The region exists with a different size (or layout); regions are never resized. */
    SIZE_MISMATCH("Size mismatch"),
    /** The shm directory has no room for the region; nothing was left behind. */
    NO_SPACE("No space"),
    /** A file with the region's name exists in the shm directory but the daemon does not own it. */
    NAME_IN_USE("Name in use"),
    /** The request needs a lease and the sender has none (never registered, or the lease ended). */
    NOT_REGISTERED("Not registered"),
    /** Authentication is required, or the token was wrong. */
    UNAUTHORIZED("Unauthorized"),
    /** The sender's token does not allow this name or action. */
    FORBIDDEN("Forbidden"),
    /** The request would take the sender past one of its token's quotas. */
    QUOTA_EXCEEDED("Quota exceeded"),
    /** Too many failed authentication attempts; try again later. */
    TOO_MANY_REQUESTS("Too many requests"),
    /** {@code REGISTER} named a pid that is not the sender's own (the kernel says who sent it). */
    PROCESS_MISMATCH("Process mismatch"),
    /** The sender's address is the session of another live process: bind another address. */
    ADDRESS_IN_USE("Address in use"),
    /** The daemon holds as many sessions as it allows, in all or for the sender's uid: try again later. */
    TOO_MANY_SESSIONS("Too many sessions"),
    /**
     * The change could not be recorded in the daemon's state journal (its filesystem is full), so it was not made, or
     * would not survive a restart; try again later. Never sent for a request that changes nothing.
     */
    NOT_DURABLE("Not durable"),
    /**
     * The daemon is out of file descriptors (its {@code RLIMIT_NOFILE}, or the system's): it could not open what the
     * request needed (a region's descriptor, a look at the sender's process); nothing was changed. Try again later.
     */
    TOO_MANY_OPEN_FILES("Too many open files"),
    /** The daemon could not complete the request (I/O failure); it keeps serving. */
    INTERNAL("Internal error");

    private final String message;
    private final String text;
    private final byte[] bytes;

    ErrorReply(final String message)
    {
        this.message = message;
        this.text = Protocol.ERROR_PREFIX + message;
        this.bytes = text.getBytes(StandardCharsets.US_ASCII);
    }

    /** @return the part after {@code ERROR: }. */
    public String message()
    {
        return message;
    }

    /** @return the whole reply, e.g. {@code ERROR: Unknown command}. */
    public String text()
    {
        return text;
    }

    /** @return the reply as ASCII bytes; callers must not modify the array. */
    public byte[] bytes()
    {
        return bytes;
    }

    /**
     * Finds the error a reply stands for.
     *
     * @param reply a reply as received.
     * @return the matching error, or {@code null} when the reply is not a known error.
     */
    public static ErrorReply fromReply(final String reply)
    {
        for (final ErrorReply e : values())
        {
            if (e.text.equals(reply))
            {
                return e;
            }
        }
        return null;
    }
}
