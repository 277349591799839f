package io.zerocp.testkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * One fuzzing client: sends each datagram of its {@link DatagramFuzzer}, waits for the reply, sorts it with
 * {@link ReplyShapes} and keeps counts by shape plus the first few violations (request in hex, reply).
 */
public final class FuzzClient implements AutoCloseable
{
    private static final int MAX_EXAMPLES = 20;
    private static final String UNAUTHORIZED = "ERROR: Unauthorized";

    private final RawClient client;
    private final Path shmDir;
    private final DatagramFuzzer fuzzer;
    private final Set<String> allowedShapes;
    private final byte[] authRequest;
    private final TreeMap<String, Long> shapes = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    private long violationCount;
    private long sent;

    /**
     * @param allowedShapes the only shapes this client may see (e.g. an unauthenticated client), or {@code null} for
     *                      any well-formed reply.
     * @param token         sent in an {@code AUTH} after every {@code ERROR: Unauthorized}, so a client whose fuzzed
     *                      requests ended its session keeps reaching the authenticated paths; {@code null} for none.
     */
    public FuzzClient(
        final Path daemonSocket,
        final Path shmDir,
        final DatagramFuzzer fuzzer,
        final Set<String> allowedShapes,
        final String token)
    {
        this.client = new RawClient(daemonSocket);
        this.shmDir = shmDir;
        this.fuzzer = fuzzer;
        this.allowedShapes = allowedShapes;
        this.authRequest = null == token ? null : ("AUTH:token=" + token).getBytes(StandardCharsets.US_ASCII);
    }

    public RawClient raw()
    {
        return client;
    }

    /**
     * Sends one fuzzed datagram and checks its reply; after {@code ERROR: Unauthorized}, authenticates again.
     *
     * @return the reply's shape.
     */
    public String step()
    {
        final String shape = exchange(fuzzer.next());
        if (null != authRequest && UNAUTHORIZED.equals(shape))
        {
            exchange(authRequest);
        }
        return shape;
    }

    private String exchange(final byte[] request)
    {
        sent++;
        if (request.length == 0)
        {
            // junixsocket hands the daemon an empty datagram as "nothing received", so it cannot be answered.
            client.send(request);
            shapes.merge(ReplyShapes.EMPTY_DATAGRAM, 1L, Long::sum);
            return ReplyShapes.EMPTY_DATAGRAM;
        }
        final String reply = client.ask(request);
        final String shape = ReplyShapes.classify(reply, shmDir);
        shapes.merge(shape, 1L, Long::sum);
        if (!ReplyShapes.isWellFormed(shape) || (null != allowedShapes && !allowedShapes.contains(shape)))
        {
            violationCount++;
            if (violations.size() < MAX_EXAMPLES)
            {
                violations.add(shape + ": request " + describe(request) + " -> reply " + abbreviate(reply));
            }
        }
        return shape;
    }

    public long sent()
    {
        return sent;
    }

    /** @return replies by shape, sorted by shape. */
    public TreeMap<String, Long> shapes()
    {
        return shapes;
    }

    public long violationCount()
    {
        return violationCount;
    }

    /** @return the first few violations, for the failure message. */
    public List<String> violations()
    {
        return violations;
    }

    private static String describe(final byte[] request)
    {
        final int shown = Math.min(request.length, 96);
        return request.length + " bytes " + HexFormat.of().formatHex(request, 0, shown) + (shown < request.length ?
            "..." : "");
    }

    private static String abbreviate(final String reply)
    {
        return null == reply ? "<none>" : reply.length() > 120 ? reply.substring(0, 120) + "..." : reply;
    }

    @Override
    public void close()
    {
        client.close();
    }
}
