package io.zerocp.benchmarks.jmh;

import io.zerocp.daemon.ClientAddress;
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
 * own logic costs per request and whether it allocates. Reached through {@code SteppedDaemon.handle}, the daemon's
 * public hook.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RequestHandlerBenchmark
{
    private final byte[] getPath = ("GET_SHM_PATH:" + BenchDaemon.REGION).getBytes(StandardCharsets.US_ASCII);
    private final byte[] ping = "PING".getBytes(StandardCharsets.US_ASCII);
        private final ClientAddress anonymous = ClientAddress.ofAbstract("zerocp-bench-anonymous");
    private final ClientAddress registered = ClientAddress.ofAbstract("zerocp-bench-registered");
    private BenchDaemon daemon;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        daemon = new BenchDaemon();
        final String reply = daemon.daemon.ask("REGISTER:process_id=" + ProcessHandle.current().pid(), registered);
        if (!reply.startsWith("OK"))
        {
            throw new IllegalStateException("REGISTER: " + reply);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        daemon.close();
    }

    @Benchmark
    public int ping()
    {
        return daemon.daemon.handle(ping, ping.length, anonymous);
    }

    @Benchmark
    public int getShmPath()
    {
        return daemon.daemon.handle(getPath, getPath.length, anonymous);
    }

    /** A registered client: also finds its session, renews the lease and sees it already holds the region. */
    @Benchmark
    public int getShmPathRegistered()
    {
        return daemon.daemon.handle(getPath, getPath.length, registered);
    }
}
