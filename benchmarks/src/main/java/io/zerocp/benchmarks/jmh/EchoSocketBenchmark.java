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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The junixsocket floor of {@code DaemonSocketBenchmark}: the same client calls, and a non-blocking server channel
 * that receives and sends the datagram back, with nothing in between.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class EchoSocketBenchmark
{
    private final ByteBuffer request = ByteBuffer.allocateDirect(64);
    private final ByteBuffer reply = ByteBuffer.allocateDirect(2048);
    private final ByteBuffer serverBuffer = ByteBuffer.allocateDirect(2048);
    private Path dir;
    private AFUNIXDatagramChannel server;
    private AFUNIXDatagramChannel client;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        dir = Files.createTempDirectory("zerocp-jmh-echo-");
        server = AFUNIXDatagramChannel.open();
        server.bind(AFUNIXSocketAddress.of(dir.resolve("echo.sock")));
        server.configureBlocking(false);
        client = AFUNIXDatagramChannel.open();
        client.bind(AFUNIXSocketAddress.of(dir.resolve("client.sock")));
        client.connect(AFUNIXSocketAddress.of(dir.resolve("echo.sock")));
        request.put("GET_SHM_PATH:bench_region".getBytes(StandardCharsets.US_ASCII)).flip();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        client.close();
        server.close();
        io.zerocp.benchmarks.BenchDirs.deleteTree(dir);
    }

    @Benchmark
    public int roundTrip() throws IOException
    {
        request.rewind();
        client.write(request);
        serverBuffer.clear();
        final AFUNIXSocketAddress from = server.receive(serverBuffer);
        serverBuffer.flip();
        server.send(serverBuffer, from);
        reply.clear();
        return client.read(reply);
    }
}
