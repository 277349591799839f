package io.zerocp.benchmarks.identity;

import io.zerocp.daemon.Daemon;
import io.zerocp.daemon.DaemonConfig;
import io.zerocp.daemon.TransportKind;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code kill -9} of a client to its region's unlink, on the native transport (the kernel's pid, a pidfd in the
 * conductor's wait) and on junixsocket (the claimed pid, polled in {@code /proc} every 10 ms), interleaved kill by
 * kill in one run, linger 0 and a 10-minute TTL (only the process watch can explain a fast cleanup).
 * <p>
 * The client is a python3 process that registers its own pid and takes one region. The clock starts just before
 * SIGKILL; "exit" is when this JVM's reaper saw the child exit ({@code Process.waitFor}), "unlink" when the file is
 * gone (a spinning {@code stat}). Exit to unlink can come out negative: the daemon may be faster than our reaper.
 * <p>
 * Run: {@code java -cp ... io.zerocp.benchmarks.identity.CrashCleanupByTransport [kills=40]} on JDK 22+ (with
 * {@code --enable-native-access=ALL-UNNAMED}); prints a markdown table.
 */
public final class CrashCleanupByTransport
{
    private static final String CLIENT = String.join("\n",
        "import os, signal, socket, sys",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "s.bind(b'\\0ccbt-%d' % os.getpid())",
        "s.settimeout(10)",
        "def ask(m):",
        "    s.sendto(m, sys.argv[1]); return s.recv(256).decode()",
        "ask(b'REGISTER:process_id=%d' % os.getpid())",
        "print(ask(('GET_SHM_PATH:' + sys.argv[2] + ',size=4096').encode()), flush=True)",
        "signal.pause()");

    private CrashCleanupByTransport()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int kills = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        final TransportKind[] kinds = {TransportKind.NATIVE, TransportKind.JUNIXSOCKET};
        final Daemon[] daemons = new Daemon[kinds.length];
        final Path[] dirs = new Path[kinds.length];
        final List<List<double[]>> samples = new ArrayList<>();
        System.out.printf("load average at start: %s%n", loadAverage());
        try
        {
            for (int k = 0; k < kinds.length; k++)
            {
                dirs[k] = Files.createTempDirectory(Path.of("/dev/shm"), "zerocp-ccbt-");
                daemons[k] = Daemon.start(DaemonConfig.builder()
                    .socketPath(Files.createTempDirectory("zerocp-ccbt-").resolve("d.sock"))
                    .shmDir(dirs[k]).lingerMs(0).leaseTtlMs(600_000).transport(kinds[k]).build());
                samples.add(new ArrayList<>());
            }
            for (int i = 0; i < kills; i++)
            {
                for (int k = 0; k < kinds.length; k++)
                {
                    samples.get(k).add(killOnce(daemons[k], "ccbt_" + i));
                }
            }
        }
        finally
        {
            for (int k = 0; k < kinds.length; k++)
            {
                if (null != daemons[k])
                {
                    daemons[k].close();
                    deleteTree(daemons[k].socketPath().getParent());
                }
                if (null != dirs[k])
                {
                    deleteTree(dirs[k]);
                }
            }
        }
        System.out.printf("load average at end: %s%n%n", loadAverage());
        System.out.println("| transport (process watch) | kills | kill→unlink p50 / p99 / max ms | " +
            "exit→unlink p50 / p99 / max ms |");
        System.out.println("|---|---:|---:|---:|");
        for (int k = 0; k < kinds.length; k++)
        {
            final double[] killToUnlink = samples.get(k).stream().mapToDouble(s -> s[0]).sorted().toArray();
            final double[] exitToUnlink = samples.get(k).stream().mapToDouble(s -> s[1]).sorted().toArray();
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %s |%n",
                kinds[k] == TransportKind.NATIVE ? "native (pidfd)" : "junixsocket (/proc poll, 10 ms)",
                killToUnlink.length, triple(killToUnlink), triple(exitToUnlink));
        }
    }

    /** @return {kill→unlink ms, exit→unlink ms}. */
    private static double[] killOnce(final Daemon daemon, final String name) throws Exception
    {
        final Process client = new ProcessBuilder("python3", "-c", CLIENT, daemon.socketPath().toString(), name)
            .redirectErrorStream(true).start();
        final String path = new BufferedReader(new InputStreamReader(client.getInputStream(),
            StandardCharsets.UTF_8)).readLine();
        final Path file = Path.of(path);
        if (!Files.exists(file))
        {
            throw new IllegalStateException("client got " + path);
        }
        final long[] exitNs = new long[1];
        final Thread reaper = new Thread(() ->
        {
            try
            {
                client.waitFor();
                exitNs[0] = System.nanoTime();
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        });
        reaper.start();
        final long killNs = System.nanoTime();
        client.destroyForcibly();
        final long deadline = killNs + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(file) && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        final long unlinkNs = System.nanoTime();
        reaper.join();
        return new double[] {(unlinkNs - killNs) / 1e6, (unlinkNs - exitNs[0]) / 1e6};
    }

    private static String triple(final double[] sorted)
    {
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", pct(sorted, 50), pct(sorted, 99),
            sorted[sorted.length - 1]);
    }

    private static double pct(final double[] sorted, final double p)
    {
        final int i = (int)Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String loadAverage() throws Exception
    {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static void deleteTree(final Path root) throws Exception
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> all = Files.walk(root))
        {
            for (final Path p : (Iterable<Path>)all.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
