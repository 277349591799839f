package io.zerocp.daemon;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The request handler alone (parse, session look-up, registry look-up, reply bytes), no socket: what the daemon's
 * own logic costs per request and whether it allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RequestHandlerBenchmark
{
    private final byte[] getPath = ("GET_SHM_PATH:" + InProcessDaemon.REGION).getBytes(StandardCharsets.US_ASCII);
    private final byte[] ping = "PING".getBytes(StandardCharsets.US_ASCII);
    private final ReplyBuffer reply = new ReplyBuffer();
    private final ClientAddress anonymous = ClientAddress.ofAbstract("zerocp-bench-anonymous");
    private final ClientAddress registered = ClientAddress.ofAbstract("zerocp-bench-registered");
    private InProcessDaemon daemon;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        daemon = new InProcessDaemon();
        final byte[] register = ("REGISTER:process_id=" + ProcessHandle.current().pid())
            .getBytes(StandardCharsets.US_ASCII);
        daemon.handler.onRequest(register, register.length, registered, reply.clear());
        if (!reply.text().startsWith("OK"))
        {
            throw new IllegalStateException("REGISTER: " + reply.text());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        daemon.close();
    }

    @Benchmark
    public ReplyBuffer ping()
    {
        daemon.handler.onRequest(ping, ping.length, anonymous, reply.clear());
        return reply;
    }

    @Benchmark
    public ReplyBuffer getShmPath()
    {
        daemon.handler.onRequest(getPath, getPath.length, anonymous, reply.clear());
        return reply;
    }

    /** A registered client: also finds its session, renews the lease and sees it already holds the region. */
    @Benchmark
    public ReplyBuffer getShmPathRegistered()
    {
        daemon.handler.onRequest(getPath, getPath.length, registered, reply.clear());
        return reply;
    }
}
