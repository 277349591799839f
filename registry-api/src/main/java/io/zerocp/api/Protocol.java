package io.zerocp.api;

import java.nio.charset.StandardCharsets;

/**
 * Constants of the zerocp wire protocol: one ASCII request per AF_UNIX datagram, one reply datagram per request.
 * <p>
 * The defaults reproduce the original C++ daemon (the seed) so that its C client and {@code socat} keep working.
 */
public final class Protocol
{
    /** Longest request the daemon acts on (the seed's {@code maxMsgSize}); longer datagrams are refused. */
    public static final int MAX_REQUEST_LENGTH = 1024;

    /** Longest reply the daemon sends; admin replies page to stay below it. */
    public static final int MAX_REPLY_LENGTH = 60 * 1024;

    /** Socket the seed daemon bound. */
    public static final String DEFAULT_SOCKET_PATH = "/tmp/shm_daemon.sock";

    /** Directory that holds the region files. */
    public static final String DEFAULT_SHM_DIR = "/dev/shm";

    /** Name of the region that {@code GET_SHM_PATH} with no argument answers for. */
    public static final String DEFAULT_REGION_NAME = "zero_copy_framework";

    /** Size of the default region, as the seed answered {@code GET_SHM_SIZE}. */
    public static final long DEFAULT_REGION_SIZE = 4096;

    /** Appended to a region name to form its file name: {@code <shm-dir>/<name>_shm}. */
    public static final String REGION_FILE_SUFFIX = "_shm";

    /** Lease length the daemon grants unless configured otherwise. */
    public static final long DEFAULT_LEASE_TTL_MS = 10_000;

    public static final String PONG = "PONG";
    public static final String OK = "OK";
    public static final String ERROR_PREFIX = "ERROR: ";
    /** Prefix of the reply to {@code REGISTER} and {@code RENEW}: {@code OK lease_ms=<ttl>}. */
    public static final String LEASE_REPLY_PREFIX = "OK lease_ms=";

    public static final byte[] PONG_BYTES = PONG.getBytes(StandardCharsets.US_ASCII);
    public static final byte[] OK_BYTES = OK.getBytes(StandardCharsets.US_ASCII);

    private Protocol()
    {
    }

    /**
     * File name of a region: the name followed by {@link #REGION_FILE_SUFFIX}.
     *
     * @param regionName a name that {@link RegionNames#isValid(CharSequence)} accepts.
     * @return the file name inside the shm directory.
     */
    public static String regionFileName(final String regionName)
    {
        return regionName + REGION_FILE_SUFFIX;
    }

    /**
     * True when the reply is an error reply.
     *
     * @param reply a reply as received.
     * @return whether it starts with {@code ERROR: }.
     */
    public static boolean isError(final String reply)
    {
        return reply.startsWith(ERROR_PREFIX);
    }
}
