package io.zerocp.benchmarks.jmh;

import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * The whole request path in one thread: a client sends {@code GET_SHM_PATH:<existing>}, one conductor duty cycle
 * receives, handles and replies, the client reads the reply. Allocation per operation includes the client's
 * junixsocket write/read; {@link EchoSocketBenchmark} makes the same client calls against a bare
 * echo, so the difference is the daemon's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class DaemonSocketBenchmark
{
    /**
     * How the client binds: to a path; to a short abstract name as {@code RegistryClient} does by default; to an
     * abstract name that fills sun_path (junixsocket 2.10.1 pads received abstract names with NULs to 108 bytes and
     * encodes each NUL with String.format when it builds the sender's address object).
     */
    @Param({"path", "abstract", "abstract-full"})
    public String sender;

    private final ByteBuffer request = ByteBuffer.allocateDirect(64);
    private final ByteBuffer reply = ByteBuffer.allocateDirect(2048);
    private BenchDaemon daemon;
    private AFUNIXDatagramChannel client;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        daemon = new BenchDaemon();
        client = AFUNIXDatagramChannel.open();
        if ("path".equals(sender))
        {
            client.bind(AFUNIXSocketAddress.of(daemon.socketDir.resolve("client.sock")));
        }
        else
        {
            final StringBuilder name = new StringBuilder("zerocp-jmh-" + ProcessHandle.current().pid());
            while ("abstract-full".equals(sender) && name.length() < 107)
            {
                name.append('x');
            }
            client.bind(AFUNIXSocketAddress.inAbstractNamespace(name.toString()));
        }
        client.connect(AFUNIXSocketAddress.of(daemon.socketPath()));
        request.put(("GET_SHM_PATH:" + BenchDaemon.REGION).getBytes(StandardCharsets.US_ASCII)).flip();
        roundTrip();
        reply.flip();
        if (reply.get(0) != '/')
        {
            throw new IllegalStateException("unexpected reply");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        client.close();
        Files.deleteIfExists(daemon.socketDir.resolve("client.sock"));
        daemon.close();
    }

    @Benchmark
    public int roundTrip() throws IOException
    {
        request.rewind();
        client.write(request);
        daemon.daemon.doWork();
        reply.clear();
        return client.read(reply);
    }
}
