package io.zerocp.api;

import java.nio.charset.StandardCharsets;

/**
 * The request verbs, with the argument forms each accepts.
 */
public enum Verb
{
    /** Liveness probe; renews the sender's lease. Takes no argument. */
    PING(Arguments.NONE),
    /** Path of a region, created on first use. Bare form: the default region. */
    GET_SHM_PATH(Arguments.NAME),
    /** Size of an existing region. Bare form: the default region. */
    GET_SHM_SIZE(Arguments.NAME),
    /** Like {@link #GET_SHM_PATH} but the reply carries the open file descriptor. */
    GET_SHM_FD(Arguments.NAME),
    /** Starts or refreshes the sender's lease: {@code REGISTER:process_id=<pid>}. */
    REGISTER(Arguments.KEYS),
    /** Renews an existing lease; {@code ERROR: Not registered} when there is none. */
    RENEW(Arguments.NONE),
    /** {@code RELEASE:<name>} drops one hold; bare {@code RELEASE} drops all and ends the lease. */
    RELEASE(Arguments.OPTIONAL_NAME),
    /** {@code AUTH:token=<token>}. */
    AUTH(Arguments.KEYS),
    /** Admin: regions as JSON, {@code LIST[:offset=N]}. */
    LIST(Arguments.OPTIONAL_KEYS),
    /** Admin: sessions as JSON, {@code CLIENTS[:offset=N]}. */
    CLIENTS(Arguments.OPTIONAL_KEYS),
    /** Admin: counters as JSON. */
    STATS(Arguments.NONE),
    /** Admin: unlinks a dynamic region whatever its holders. */
    DELETE(Arguments.NAME_REQUIRED);

    /** How the part after the colon is shaped. */
    enum Arguments
    {
        NONE, NAME, NAME_REQUIRED, OPTIONAL_NAME, KEYS, OPTIONAL_KEYS
    }

    private static final Verb[] VALUES = values();

    private final Arguments arguments;
    private final byte[] ascii;

    Verb(final Arguments arguments)
    {
        this.arguments = arguments;
        this.ascii = name().getBytes(StandardCharsets.US_ASCII);
    }

    Arguments arguments()
    {
        return arguments;
    }

    /**
     * Matches the verb spelled by {@code length} bytes at {@code offset}, without allocating.
     *
     * @return the verb, or {@code null} when none matches (case matters).
     */
    static Verb match(final byte[] buffer, final int offset, final int length)
    {
        for (final Verb verb : VALUES)
        {
            final byte[] a = verb.ascii;
            if (a.length == length && regionEquals(a, buffer, offset))
            {
                return verb;
            }
        }
        return null;
    }

    private static boolean regionEquals(final byte[] a, final byte[] buffer, final int offset)
    {
        for (int i = 0; i < a.length; i++)
        {
            if (a[i] != buffer[offset + i])
            {
                return false;
            }
        }
        return true;
    }
}
