package io.zerocp.benchmarks;

import io.zerocp.benchmarks.typed.FrameHandoffBenchmark;
import io.zerocp.benchmarks.typed.RingThroughputBenchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The typed-region benchmarks, each in a JVM of its own: {@link RingThroughputBenchmark} (64-byte messages: rings,
 * a Unix socket, the C SPSC ring) and {@link FrameHandoffBenchmark} (1080p frames: frame pool, Unix socket, C
 * shared-memory and socket hand-off), the C programs run between ours inside the same benchmark.
 */
final class TypedPart
{
    /** Medians by kind: msgs/s for the ring benchmark, frames/s for the frame benchmark; NaN where not run. */
    record Result(Map<String, Double> ring, Map<String, Double> frames, String ringLine, String framesLine)
    {
    }

    private TypedPart()
    {
    }

    static Result run(final Suite.Env env) throws Exception
    {
        Suite.step("typed: 64-byte messages, ring vs socket vs C SPSC ring");
        final String[] ring = run(env, RingThroughputBenchmark.class, List.of());
        Suite.step("typed: 1080p frames, frame pool vs socket vs C frame hand-off");
        final String[] frames = run(env, FrameHandoffBenchmark.class, List.of());
        return new Result(fields(ring[1]), fields(frames[1]), ring[0], frames[0]);
    }

    /** @return the benchmark's median line and its RESULT line. */
    private static String[] run(final Suite.Env env, final Class<?> benchmark, final List<String> extra)
        throws InterruptedException
    {
        final List<String> args = new ArrayList<>(List.of("--seconds", Double.toString(env.typedSeconds), "--runs",
            Integer.toString(env.typedRuns)));
        if (null != env.cDir)
        {
            args.addAll(List.of("--c-dir", env.cDir.toString()));
        }
        else
        {
            args.addAll(List.of("--no-c", env.noC));
        }
        args.addAll(extra);
        try (JavaProcess child = JavaProcess.startBench(env.logDir, benchmark.getSimpleName(), List.of(), benchmark,
            args))
        {
            final String median = child.awaitLine("median:", (long)(env.typedRuns * 8 * (env.typedSeconds + 20) *
                1000));
            final String result = null == median ? null : child.awaitLine("RESULT", 10_000);
            if (null == result)
            {
                throw new IllegalStateException(benchmark.getSimpleName() + " gave no result:\n" + child.logTail());
            }
            return new String[] {median, result};
        }
    }

    private static Map<String, Double> fields(final String resultLine)
    {
        final Map<String, Double> values = new LinkedHashMap<>();
        for (final String part : resultLine.substring("RESULT".length()).trim().split(" "))
        {
            final int eq = part.indexOf('=');
            values.put(part.substring(0, eq), Double.parseDouble(part.substring(eq + 1)));
        }
        return values;
    }
}
