package io.zerocp.benchmarks.restart;

import io.zerocp.api.RequiredJvmFlags;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The longest reply delay a client sees across three ways of changing the daemon process, in one run, interleaved
 * repetition by repetition: (a) the re-bind restart (SIGTERM, start again: the new daemon binds the socket), (b)
 * {@code kill -9} and a respawn by a supervisor that holds the socket (socket activation, the python supervisor of
 * {@code SocketActivationTest}), (c) {@code zerocpd --replace}. The client is a python3 process sending a
 * {@code PING} every 1 ms; the delay of a request is from its first send to its reply, through every resend (after
 * 100 ms without an answer) and every send that failed (no socket: tried again after 1 ms). Also measured: the
 * daemon's start-up (process start to its "listening" line), the respawn's target.
 * <p>
 * Run from the repository root: {@code java --enable-native-access=ALL-UNNAMED -cp
 * "benchmarks/target/classes:benchmarks/target/lib/*" io.zerocp.benchmarks.restart.RestartGap [repetitions=5]
 * [transports=native,junixsocket]} on JDK 22+; prints a markdown table.
 */
public final class RestartGap
{
    private static final String CLIENT = String.join("\n",
        "import os, socket, sys, time",
        "path, stop = sys.argv[1], sys.argv[2]",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "s.bind(b'\\0restart-gap-%d' % os.getpid()); s.settimeout(0.1)",
        "worst = 0.0; n = 0; lost = 0",
        "print('go', flush=True)",
        "while not os.path.exists(stop):",
        "    first = time.monotonic()",
        "    while True:",
        "        try:",
        "            s.sendto(b'PING', path)",
        "        except OSError:",
        "            time.sleep(0.001); continue",
        "        try:",
        "            if s.recv(64) == b'PONG': break",
        "        except socket.timeout:",
        "            lost += 1",
        "    worst = max(worst, time.monotonic() - first); n += 1",
        "    time.sleep(0.001)",
        "print('worst_ms %.1f requests %d resent %d' % (worst * 1000, n, lost), flush=True)");

    private static final String SUPERVISOR = String.join("\n",
        "import os, socket, subprocess, sys",
        "path, stop = sys.argv[1], sys.argv[2]",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)",
        "s.bind(path); os.chmod(path, 0o600); os.dup2(s.fileno(), 3)",
        "wrapper = ['sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=zerocpd exec \"$@\"', 'sh']",
        "while not os.path.exists(stop):",
        "    p = subprocess.Popen(wrapper + sys.argv[3:], pass_fds=(3,), stderr=open(stop + '.log', 'a'))",
        "    print('spawned', p.pid, flush=True)",
        "    p.wait()",
        "s.close(); os.unlink(path)");

    private RestartGap()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final String[] transports = (args.length > 1 ? args[1] : "native,junixsocket").split(",");
        final String[] methods = {"re-bind restart", "kill -9 + respawn (socket held)", "--replace"};
        final double[][][] worst = new double[transports.length][methods.length][repetitions];
        final List<Double> startups = new ArrayList<>();
        for (int r = 0; r < repetitions; r++)
        {
            for (int t = 0; t < transports.length; t++)
            {
                worst[t][0][r] = rebind(transports[t], startups);
                worst[t][1][r] = respawn(transports[t]);
                worst[t][2][r] = replace(transports[t]);
                System.err.printf(Locale.ROOT, "rep %d %s: rebind %.1f respawn %.1f replace %.1f ms%n", r,
                    transports[t], worst[t][0][r], worst[t][1][r], worst[t][2][r]);
            }
        }
        final double[] up = startups.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "%nDaemon start-up (process start to listening), %d starts: median %.0f ms, " +
            "worst %.0f ms%n%n", up.length, up[up.length / 2], up[up.length - 1]);
        System.out.println("| transport | change | longest reply delay per repetition (ms) | median | worst | target |");
        System.out.println("|---|---|---|---|---|---|");
        final String[] targets = {"(today's behaviour)", "≤ start-up (" + Math.round(up[up.length / 2]) + " ms)",
            "≤ 20 ms"};
        for (int t = 0; t < transports.length; t++)
        {
            for (int m = 0; m < methods.length; m++)
            {
                final double[] each = worst[t][m].clone();
                final StringBuilder list = new StringBuilder();
                for (final double v : each)
                {
                    list.append(list.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", v));
                }
                Arrays.sort(each);
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %.0f | %.0f | %s |%n", transports[t], methods[m], list,
                    each[each.length / 2], each[each.length - 1], targets[m]);
            }
        }
    }

    /** (a): SIGTERM (the socket file goes), then a new daemon binds it. */
    private static double rebind(final String transport, final List<Double> startups) throws Exception
    {
        final Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "zerocp-rgap-");
        final Path socket = dir.resolve("d.sock");
        Process daemon = daemon(transport, socket, dir, dir.resolve("a.log"));
        try
        {
            awaitLine(dir.resolve("a.log"), "zerocpd listening", 120);
            final Client client = new Client(socket, dir);
            try
            {
                settle();
                daemon.destroy();
                daemon.waitFor(30, TimeUnit.SECONDS);
                final long start = System.nanoTime();
                daemon = daemon(transport, socket, dir, dir.resolve("b.log"));
                awaitLine(dir.resolve("b.log"), "zerocpd listening", 120);
                startups.add((System.nanoTime() - start) / 1e6);
                settle();
                return client.finish();
            }
            finally
            {
                client.kill();
            }
        }
        finally
        {
            stop(daemon);
            deleteTree(dir);
        }
    }

    /** (b): the supervisor holds the socket; kill -9 of the daemon, which it starts again. */
    private static double respawn(final String transport) throws Exception
    {
        final Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "zerocp-rgap-");
        final Path socket = dir.resolve("d.sock");
        final Path stop = dir.resolve("stop");
        final List<String> command = new ArrayList<>(List.of("python3", "-c", SUPERVISOR, socket.toString(),
            stop.toString()));
        command.addAll(daemonCommand(transport, socket, dir));
        final Path log = dir.resolve("supervisor.out");
        final Process supervisor = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
            .start();
        try
        {
            awaitLine(Path.of(stop + ".log"), "zerocpd listening", 120);
            final Client client = new Client(socket, dir);
            try
            {
                settle();
                final long pid = Long.parseLong(Files.readString(log).lines().filter(l -> l.startsWith("spawned"))
                    .reduce((a, b) -> b).orElseThrow().split(" ")[1]);
                new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
                awaitCount(Path.of(stop + ".log"), "zerocpd listening", 2, 120);
                settle();
                return client.finish();
            }
            finally
            {
                client.kill();
            }
        }
        finally
        {
            Files.createFile(stop);
            for (final ProcessHandle child : supervisor.descendants().toList())
            {
                child.destroy();
            }
            supervisor.waitFor(30, TimeUnit.SECONDS);
            supervisor.destroyForcibly();
            deleteTree(dir);
        }
    }

    /** (c): a second daemon takes the socket over from the first. */
    private static double replace(final String transport) throws Exception
    {
        final Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "zerocp-rgap-");
        final Path socket = dir.resolve("d.sock");
        final Process first = daemon(transport, socket, dir, dir.resolve("a.log"));
        Process second = null;
        try
        {
            awaitLine(dir.resolve("a.log"), "zerocpd listening", 120);
            final Client client = new Client(socket, dir);
            try
            {
                settle();
                second = daemon(transport, socket, dir, dir.resolve("b.log"), "--replace");
                awaitLine(dir.resolve("b.log"), "zerocpd listening", 120);
                if (!first.waitFor(30, TimeUnit.SECONDS) || first.exitValue() != 0)
                {
                    throw new IllegalStateException("the replaced daemon did not exit 0:\n" +
                        Files.readString(dir.resolve("a.log")));
                }
                settle();
                return client.finish();
            }
            finally
            {
                client.kill();
            }
        }
        finally
        {
            stop(first);
            if (null != second)
            {
                stop(second);
            }
            deleteTree(dir);
        }
    }

    private static Process daemon(final String transport, final Path socket, final Path dir, final Path log,
        final String... extra) throws IOException
    {
        final List<String> command = daemonCommand(transport, socket, dir);
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static List<String> daemonCommand(final String transport, final Path socket, final Path dir)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(RequiredJvmFlags.forThisJvm());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.zerocp.daemon.Zerocpd",
            "--socket", socket.toString(), "--shm-dir", dir.resolve("shm").toString(), "--transport", transport));
        return command;
    }

    /** A python client sending PING every 1 ms from its own process. */
    private static final class Client
    {
        private final Process process;
        private final Path stop;
        private final Path out;

        Client(final Path socket, final Path dir) throws Exception
        {
            stop = dir.resolve("client.stop");
            out = dir.resolve("client.out");
            process = new ProcessBuilder("python3", "-c", CLIENT, socket.toString(), stop.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            awaitLine(out, "go", 30);
        }

        double finish() throws Exception
        {
            Files.createFile(stop);
            awaitLine(out, "worst_ms", 60);
            final String line = Files.readString(out).lines().filter(l -> l.startsWith("worst_ms")).findFirst()
                .orElseThrow();
            return Double.parseDouble(line.split(" ")[1]);
        }

        void kill()
        {
            process.destroyForcibly();
        }
    }

    private static void settle() throws InterruptedException
    {
        Thread.sleep(500);
    }

    private static void stop(final Process daemon) throws InterruptedException
    {
        daemon.destroy();
        if (!daemon.waitFor(30, TimeUnit.SECONDS))
        {
            daemon.destroyForcibly();
        }
    }

    private static void awaitLine(final Path file, final String text, final int seconds) throws Exception
    {
        awaitCount(file, text, 1, seconds);
    }

    private static void awaitCount(final Path file, final String text, final int count, final int seconds)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(file) || Files.readString(file).lines().filter(l -> l.contains(text)).count() < count)
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("no '" + text + "' in " + file + ":\n" +
                    (Files.exists(file) ? Files.readString(file) : "(missing)"));
            }
            Thread.sleep(1);
        }
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (var paths = Files.walk(root))
        {
            for (final Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
