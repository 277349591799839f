package io.zerocp.daemon.fuzz;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.DatagramFuzzer;
import io.zerocp.testkit.FuzzClient;
import io.zerocp.testkit.FuzzSetup;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TestTokens;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fuzzes a separate zerocpd process through its real socket: at least a million random and mutated datagrams from
 * four clients (one with the admin token, two with the token for {@code app_*}, one without a token), then reports
 * replies by shape, violations, and the daemon's heap (after a full GC), RSS, threads and open descriptors at the start,
 * after a warm-up, and after each quarter of the run.
 * <p>
 * Run from the repository root with {@code benchmarks/fuzz-daemon.sh [datagrams] [seed]}. It lives with the daemon's
 * tests (it is a long fuzz test, not a benchmark) because it drives the same test kit as {@code DaemonFuzzTest}.
 * Exit code 0 when every reply was well formed, the client without a token got nothing but PONG or refusals, the
 * daemon still answered and nothing appeared next to its shm directory; 1 otherwise.
 */
public final class DaemonFuzzRun
{
    private static final long WARM_UP = 50_000;
    private static final AtomicLong nextReport = new AtomicLong(100_000);

    private DaemonFuzzRun()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final long datagrams = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        final long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        final String admin = TestTokens.newToken();
        final String user = TestTokens.newToken();

        final boolean ok;
        try (TestDirs dirs = new TestDirs())
        {
            final Path outer = dirs.shmDir();
            final Path shmDir = outer.resolve("shm");
            final Path config = dirs.socketDir().resolve("zerocpd.json");
            Files.writeString(config, FuzzSetup.config(admin, user));
            final Process daemon = startDaemon(config, dirs.socket(), shmDir, dirs.socketDir().resolve("zerocpd.log"));
            try
            {
                awaitPong(dirs.socket());
                final long pid = daemon.pid();
                final List<String> report = new ArrayList<>();
                report.add(sample("start", pid));

                final long selfPid = ProcessHandle.current().pid();
                final List<FuzzClient> clients = List.of(
                    new FuzzClient(dirs.socket(), shmDir, new DatagramFuzzer(seed, FuzzSetup.corpus(admin, selfPid)),
                        null, admin),
                    new FuzzClient(dirs.socket(), shmDir, new DatagramFuzzer(seed + 1, FuzzSetup.corpus(user, selfPid)),
                        null, user),
                    new FuzzClient(dirs.socket(), shmDir, new DatagramFuzzer(seed + 2, FuzzSetup.corpus(user, selfPid)),
                        null, user),
                    new FuzzClient(dirs.socket(), shmDir, new DatagramFuzzer(seed + 3, FuzzSetup.corpus(null, selfPid)),
                        FuzzSetup.OUTSIDER_SHAPES, null));

                final AtomicLong sent = new AtomicLong();
                final long start = System.nanoTime();
                run(clients, sent, WARM_UP);
                report.add(sample("after " + sent.get() + " datagrams (warm-up)", pid));
                for (int quarter = 1; quarter <= 4; quarter++)
                {
                    run(clients, sent, datagrams * quarter / 4);
                    report.add(sample("after " + sent.get() + " datagrams", pid));
                }
                final long elapsedNs = System.nanoTime() - start; // includes the samples' full GCs

                final TreeMap<String, Long> shapes = new TreeMap<>();
                long violations = 0;
                final List<String> examples = new ArrayList<>();
                for (final FuzzClient client : clients)
                {
                    client.shapes().forEach((k, v) -> shapes.merge(k, v, Long::sum));
                    violations += client.violationCount();
                    examples.addAll(client.violations());
                }

                final String pong;
                try (RawClient fresh = new RawClient(dirs.socket()))
                {
                    pong = fresh.ask("PING");
                }
                final List<String> beside = list(outer);

                System.out.printf(Locale.ROOT, "%nzerocpd fuzz run, seed %d%n", seed);
                System.out.printf(Locale.ROOT, "datagrams sent: %d in %.1f s (%.0f/s), 4 clients, daemon pid %d%n",
                    sent.get(), elapsedNs / 1e9, sent.get() / (elapsedNs / 1e9), pid);
                System.out.println("replies by shape:");
                shapes.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-32s %,12d%n", k, v));
                System.out.println("client without a token: " + clients.get(3).shapes());
                System.out.println("violations: " + violations + (examples.isEmpty() ? "" : " " + examples));
                System.out.println("daemon after the run: PING -> " + pong + ", alive " + daemon.isAlive() +
                    ", entries beside the shm dir " + beside);
                System.out.println("daemon resources (heap after a full GC):");
                report.forEach(line -> System.out.println("  " + line));
                clients.forEach(FuzzClient::close);

                ok = violations == 0 && "PONG".equals(pong) && daemon.isAlive() && beside.equals(List.of("shm"));
                System.out.println(ok ? "RESULT: PASS" : "RESULT: FAIL");
            }
            finally
            {
                stop(daemon);
                printLogTail(dirs.socketDir().resolve("zerocpd.log"));
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private static void run(final List<FuzzClient> clients, final AtomicLong sent, final long until)
        throws InterruptedException
    {
        final List<Thread> threads = new ArrayList<>();
        for (final FuzzClient client : clients)
        {
            final Thread thread = new Thread(() ->
            {
                long mine = client.sent();
                while (sent.get() < until)
                {
                    client.step();
                    final long now = client.sent();
                    final long total = sent.addAndGet(now - mine);
                    mine = now;
                    if (client.violationCount() > 20)
                    {
                        sent.set(Long.MAX_VALUE / 2); // stop everyone: a broken daemon costs 5 s a datagram
                    }
                    final long due = nextReport.get();
                    if (total >= due && nextReport.compareAndSet(due, due + 100_000))
                    {
                        System.out.printf(Locale.ROOT, "  %,d datagrams%n", total);
                    }
                }
            }, "fuzz-client");
            threads.add(thread);
            thread.start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
    }

    private static Process startDaemon(final Path config, final Path socket, final Path shmDir, final Path log)
        throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ChildJvm.jvmFlags());
        command.add("-Xmx256m");
        command.add("-Dzerocp.log.level=WARN"); // INFO logs every session and region: a million lines of noise
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.zerocp.daemon.Zerocpd");
        command.addAll(List.of("--config", config.toString(), "--socket", socket.toString(),
            "--shm-dir", shmDir.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitPong(final Path socket) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            if (Files.exists(socket))
            {
                try (RawClient client = new RawClient(socket))
                {
                    if ("PONG".equals(client.ask("PING")))
                    {
                        return;
                    }
                }
                catch (final RuntimeException ex)
                {
                    // not bound yet
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("zerocpd did not answer within 60 s");
    }

    private static String sample(final String when, final long pid)
    {
        return String.format(Locale.ROOT, "%-36s heap used %s, RSS %s, threads %s, open fds %d", when,
            heapUsedAfterGc(pid), status(pid, "VmRSS"), status(pid, "Threads"), openFds(pid));
    }

    private static String heapUsedAfterGc(final long pid)
    {
        final String jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString();
        try
        {
            command(jcmd, Long.toString(pid), "GC.run");
            final Matcher m = Pattern.compile("used (\\d+)K").matcher(command(jcmd, Long.toString(pid), "GC.heap_info"));
            return m.find() ? String.format(Locale.ROOT, "%,d KiB", Long.parseLong(m.group(1))) : "n/a";
        }
        catch (final IOException | InterruptedException ex)
        {
            return "n/a (" + ex.getMessage() + ")";
        }
    }

    private static String command(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes());
        process.waitFor(60, TimeUnit.SECONDS);
        return output;
    }

    private static String status(final long pid, final String key)
    {
        try (Stream<String> lines = Files.lines(Paths.get("/proc", Long.toString(pid), "status")))
        {
            return lines.filter(l -> l.startsWith(key + ":")).map(l -> l.substring(key.length() + 1).trim())
                .findFirst().orElse("n/a");
        }
        catch (final IOException ex)
        {
            return "n/a";
        }
    }

    private static long openFds(final long pid)
    {
        try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid), "fd")))
        {
            return fds.count();
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    private static List<String> list(final Path dir) throws IOException
    {
        final List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
        {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    private static void printLogTail(final Path log)
    {
        try
        {
            final List<String> lines = Files.readAllLines(log);
            final long warnings = lines.stream().filter(l -> l.contains(" WARN ")).count();
            System.out.println("daemon log: " + lines.size() + " lines, " + warnings + " WARN; other lines, at most 40:");
            lines.stream().filter(l -> !l.contains(" WARN ")).limit(40).forEach(l -> System.out.println("  | " + l));
        }
        catch (final IOException ex)
        {
            System.out.println("cannot read the daemon log: " + ex);
        }
    }

    private static void stop(final Process daemon) throws InterruptedException
    {
        if (daemon.isAlive())
        {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS))
            {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
