package io.zerocp.benchmarks;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Runs the JMH benchmarks with {@code -prof gc}: time per operation and bytes allocated per operation after warm-up.
 * JMH's own report goes to a file in the results directory.
 */
final class Garbage
{
    /** One benchmark's time and allocation per operation. */
    record Row(String benchmark, String params, double nsPerOp, double bytesPerOp)
    {
    }

    private Garbage()
    {
    }

    static List<Row> run(final Suite.Env env) throws Exception
    {
        final Options options = new OptionsBuilder()
            .include("io\\.zerocp\\.benchmarks\\.jmh\\.(Parser|EchoSocket|RequestHandler|DaemonSocket)Benchmark")
            .addProfiler(GCProfiler.class)
            .warmupIterations(env.jmhIterations)
            .measurementIterations(env.jmhIterations)
            .warmupTime(TimeValue.milliseconds(env.jmhIterationMs))
            .measurementTime(TimeValue.milliseconds(env.jmhIterationMs))
            .forks(1)
            .jvmArgsAppend("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dzerocp.log.level=WARN")
            .output(env.resultsDir.resolve("jmh.txt").toString())
            .build();
        final Collection<RunResult> results = new Runner(options).run();
        final List<Row> rows = new ArrayList<>();
        for (final RunResult r : results)
        {
            final String name = r.getParams().getBenchmark().replaceFirst("^io\\.zerocp\\.benchmarks\\.jmh\\.", "");
            final StringBuilder params = new StringBuilder();
            for (final String key : r.getParams().getParamsKeys())
            {
                params.append(key).append('=').append(r.getParams().getParam(key));
            }
            double bytes = Double.NaN;
            for (final Map.Entry<String, Result> e : r.getSecondaryResults().entrySet())
            {
                if (e.getKey().endsWith("gc.alloc.rate.norm"))
                {
                    bytes = e.getValue().getScore();
                }
            }
            rows.add(new Row(name, params.toString(), r.getPrimaryResult().getScore(), bytes));
        }
        return rows;
    }
}
