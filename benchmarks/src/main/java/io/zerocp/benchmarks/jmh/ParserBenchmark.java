package io.zerocp.benchmarks.jmh;

import io.zerocp.api.Request;
import io.zerocp.api.RequestParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The protocol parser on the requests a client sends most. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ParserBenchmark
{
    private final byte[] getPath = "GET_SHM_PATH:bench_region".getBytes(StandardCharsets.US_ASCII);
    private final byte[] getPathSized = "GET_SHM_PATH:video_frames,size=8388608\n".getBytes(StandardCharsets.US_ASCII);
    private final byte[] register = "REGISTER:process_id=123456".getBytes(StandardCharsets.US_ASCII);
    private final Request request = new Request();

    @Benchmark
    public Request getShmPath()
    {
        return RequestParser.parse(getPath, getPath.length, request);
    }

    @Benchmark
    public Request getShmPathWithSize()
    {
        return RequestParser.parse(getPathSized, getPathSized.length, request);
    }

    @Benchmark
    public Request register()
    {
        return RequestParser.parse(register, register.length, request);
    }
}
