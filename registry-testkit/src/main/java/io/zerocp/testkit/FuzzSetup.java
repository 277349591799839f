package io.zerocp.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The daemon config and request corpus shared by the fuzz test and the fuzz benchmark.
 */
public final class FuzzSetup
{
    /** What a client that never authenticated may hear: nothing but PONG or a refusal. */
    public static final Set<String> OUTSIDER_SHAPES = Set.of(ReplyShapes.PONG, "ERROR: Unauthorized",
        "ERROR: Too many requests", "ERROR: Invalid argument");

    private FuzzSetup()
    {
    }

    /**
     * The config for fuzzing: auth on with an admin token and a token for {@code app_*}; small sizes and quotas so
     * random requests cannot fill /dev/shm; AUTH limits high enough that fuzzed clients keep getting back in.
     */
    public static String config(final String adminToken, final String userToken)
    {
        return "{\"max-region-size\": 1048576, \"lease-ttl-ms\": 5000, \"linger-ms\": 0, " +
            "\"auth-failures-per-sender\": 200, \"auth-failures-global\": 1000, \"auth-failure-window-ms\": 500, " +
            "\"private-regions\": [\"app_private*\"], \"regions\": [{\"name\": \"app_static\", \"size\": 8192}], " +
            "\"tokens\": [" +
            TestTokens.entry("admin", adminToken,
                "\"allow\": [\"*\"], \"admin\": true, \"max-regions\": 64, \"max-bytes\": 16777216") + ", " +
            TestTokens.entry("user", userToken,
                "\"allow\": [\"app_*\"], \"max-regions\": 16, \"max-bytes\": 4194304, \"max-region-size\": 65536") +
            "]}";
    }

    /**
     * Valid requests of every verb, which the fuzzer sends as they are or mutates.
     *
     * @param token   the client's token for an {@code AUTH} entry, or {@code null} for a client without one.
     * @param livePid a live process to register.
     */
    public static List<String> corpus(final String token, final long livePid)
    {
        final List<String> corpus = new ArrayList<>(List.of(
            "PING", "GET_SHM_PATH", "GET_SHM_SIZE", "GET_SHM_PATH:app_a", "GET_SHM_PATH:app_b,size=8192",
            "GET_SHM_PATH:app_static", "GET_SHM_SIZE:app_a", "GET_SHM_SIZE:app_static", "GET_SHM_FD:app_a",
            "GET_SHM_FD:app_a,mode=ro", "GET_SHM_FD:app_c,size=4096,mode=rw", "GET_SHM_FD:app_private1",
            "GET_SHM_PATH:app_private1", "GET_SHM_PATH:other_x", "REGISTER:process_id=" + livePid, "RENEW",
            "RELEASE:app_a", "RELEASE:app_b", "RELEASE", "AUTH:token=wrong-token", "LIST", "LIST:offset=0",
            "CLIENTS", "STATS", "DELETE:app_b", "GET_SHM_PATH:app_a\n", "PING\r\n"));
        if (null != token)
        {
            corpus.add("AUTH:token=" + token);
        }
        return corpus;
    }
}
