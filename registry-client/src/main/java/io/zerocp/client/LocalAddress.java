package io.zerocp.client;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** The abstract socket name a client binds when it is given no path. */
final class LocalAddress
{
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** sun_path is 108 bytes; an abstract name takes all but the leading NUL. */
    private static final int MAX_ABSTRACT_NAME_LENGTH = 107;

    private LocalAddress()
    {
    }

    /**
     * A unique abstract name that fills sun_path. junixsocket 2.10.1 hands the daemon a shorter abstract sender name
     * padded with NULs to the full 108 bytes and encodes each NUL with {@code String.format} when it builds the
     * address object: about 60 KB of garbage and 15 µs per request (docs/benchmarks.md). A full-length name has no
     * padding; the random tail also makes the name hard to guess.
     */
    static String uniqueAbstractName()
    {
        final StringBuilder name = new StringBuilder("zerocp-client-").append(ProcessHandle.current().pid())
            .append('-').append(INSTANCES.incrementAndGet()).append('-');
        while (name.length() < MAX_ABSTRACT_NAME_LENGTH)
        {
            name.append(Long.toHexString(RANDOM.nextLong() | Long.MIN_VALUE)); // always 16 digits
        }
        name.setLength(MAX_ABSTRACT_NAME_LENGTH);
        return name.toString();
    }
}
