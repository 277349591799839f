package io.zerocp.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's limit on this machine: {@code uds_dgram_echo} from the shared C baselines (copied and built by
 * run.sh), run in the same suite so the ratio is taken under the same noise.
 */
final class CBaseline
{
    /** p50/p99/p99.9 of one client in microseconds, and round trips/s per client count. */
    record Result(double p50, double p99, double p999, double singleClientRate, Map<Integer, Double> rates)
    {
    }

    private CBaseline()
    {
    }

    /** @return null when the binary is not there (no gcc). */
    static Result run(final Path binary, final int[] clientCounts, final double seconds) throws Exception
    {
        if (null == binary || !Files.isExecutable(binary))
        {
            return null;
        }
        final Map<String, Double> lat = results(List.of(binary.toString(), "lat", "200000", "20000"));
        final Map<Integer, Double> rates = new HashMap<>();
        for (final int n : clientCounts)
        {
            final Map<String, Double> r = results(List.of(binary.toString(), "tput", Integer.toString(n),
                Double.toString(seconds)));
            rates.put(n, r.get("tput_c" + n));
        }
        return new Result(lat.get("lat_p50"), lat.get("lat_p99"), lat.get("lat_p99.9"), lat.get("rtt_per_s"),
            rates);
    }

    /** Parses {@code RESULT uds_dgram <key> <value> <unit>} lines, plus the RTT/s of the latency line. */
    private static Map<String, Double> results(final List<String> command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final Map<String, Double> values = new HashMap<>();
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = in.readLine()))
            {
                final String[] f = line.trim().split("\\s+");
                if (line.startsWith("RESULT") && f.length >= 4)
                {
                    values.put(f[2], Double.parseDouble(f[3]));
                }
                else if (line.contains("RTT/s"))
                {
                    values.put("rtt_per_s", Double.parseDouble(f[f.length - 2]));
                }
            }
        }
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("timeout: " + command);
        }
        return values;
    }
}
