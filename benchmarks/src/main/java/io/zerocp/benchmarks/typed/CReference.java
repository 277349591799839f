package io.zerocp.benchmarks.typed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shared C baselines ({@code shm_spsc}, {@code frame_handoff}), built by benchmarks/run.sh, run by a typed
 * benchmark between its own measurements so that its "×C" figures come from C measured in the same run, under the
 * same noise. Absent ({@link #absent}) when no C directory was given: then there is no "×C" figure at all.
 */
final class CReference
{
    private final Path dir;
    private final String why;

    private CReference(final Path dir, final String why)
    {
        this.dir = dir;
        this.why = why;
    }

    /** From {@code --c-dir DIR} (the built programs), or absent with {@code --no-c REASON} or neither. */
    static CReference fromArgs(final String[] args)
    {
        final String dir = BenchSupport.option(args, "c-dir", null);
        if (null != dir && Files.isDirectory(Paths.get(dir)))
        {
            return new CReference(Paths.get(dir), null);
        }
        return new CReference(null, BenchSupport.option(args, "no-c", null == dir ? "no --c-dir given" :
            "no C programs in " + dir));
    }

    boolean absent()
    {
        return null == dir;
    }

    /** Why there is no C figure (when {@link #absent()}). */
    String why()
    {
        return why;
    }

    /**
     * Runs {@code program args...} and returns the value of its {@code RESULT <bench> <metric> <value> <unit>} line.
     */
    double run(final String program, final String metric, final String... args)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(dir.resolve(program).toString());
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        double value = Double.NaN;
        final StringBuilder output = new StringBuilder();
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = in.readLine()))
            {
                output.append(line).append('\n');
                final String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[0].equals("RESULT") && f[2].equals(metric))
                {
                    value = Double.parseDouble(f[3]);
                }
            }
        }
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("timeout: " + command);
        }
        if (Double.isNaN(value))
        {
            throw new IOException("no " + metric + " from " + command + ":\n" + output);
        }
        return value;
    }

    /** @return {@code a / c} as "1.23x", or why there is none. */
    String ratio(final double ours, final double c)
    {
        return absent() ? "no C figure (" + why + ")" : BenchSupport.format("%.2fx", ours / c);
    }
}
