package io.zerocp.benchmarks.creation;

import io.zerocp.daemon.Daemon;
import io.zerocp.daemon.DaemonConfig;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Region creation through the daemon against the C floor (issue #17), interleaved sample by sample in one run:
 * {@code GET_SHM_PATH:name,size=S} request to reply from a registered client, against
 * {@code open(O_CREAT|O_EXCL|O_NOFOLLOW)} + {@code posix_fallocate} + {@code close} in C
 * ({@code benchmarks/c/create_floor.c}, built here with gcc). Between samples each side unlinks what it made, outside
 * the timing: the C program at once, the daemon on {@code RELEASE} (linger 0); the driver waits until the tmpfs has
 * its space back, so neither side pays for the other's freeing. Then a {@code PING} from another client, one in
 * flight, while 1 GiB regions are made one after another: its p99 against the 2 ms target.
 * <p>
 * Run (JDK 22+): {@code java --enable-native-access=ALL-UNNAMED --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED -cp "benchmarks/target/classes:benchmarks/target/lib/*"
 * io.zerocp.benchmarks.creation.RegionCreationBenchmark [repo root] [rounds=1]}; prints markdown tables. With
 * {@code -Dzerocp.reservation=zero-fill} the daemon writes zeros from Java, as on JDK 17.
 */
public final class RegionCreationBenchmark
{
    private static final long[] SIZES = {64L << 10, 8L << 20, 1L << 30};
    private static final int[] SAMPLES = {1000, 200, 10};
    /** Warm-up creations per size, not recorded: the daemon's creation path is Java code the JIT must compile. */
    private static final int[] WARM_UP = {3000, 300, 3};
    private static final int PING_CREATIONS = 8;

    private RegionCreationBenchmark()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path repo = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        final Path work = Files.createTempDirectory("zerocp-creation-bench-");
        final Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "zerocp-creation-bench-");
        final Path floor = work.resolve("create_floor");
        final Process gcc = new ProcessBuilder("gcc", "-O2", "-o", floor.toString(),
            repo.resolve("benchmarks/c/create_floor.c").toString()).inheritIO().start();
        if (gcc.waitFor() != 0)
        {
            throw new IllegalStateException("gcc could not build benchmarks/c/create_floor.c");
        }
        System.out.printf("load average at start: %s; reservation: %s%n", loadAverage(),
            System.getProperty("zerocp.reservation", "best (posix_fallocate on JDK 22+)"));
        final Process c = new ProcessBuilder(floor.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Daemon daemon = null;
        try (AFUNIXDatagramChannel client = AFUNIXDatagramChannel.open();
            AFUNIXDatagramChannel pinger = AFUNIXDatagramChannel.open();
            BufferedReader cOut = new BufferedReader(new InputStreamReader(c.getInputStream(),
                StandardCharsets.US_ASCII));
            PrintWriter cIn = new PrintWriter(c.getOutputStream(), true, StandardCharsets.US_ASCII))
        {
            daemon = Daemon.start(DaemonConfig.builder().socketPath(work.resolve("d.sock")).shmDir(shm)
                .lingerMs(0).leaseTtlMs(600_000).openMaxBytes(1L << 40).build());
            final AFUNIXSocketAddress to = AFUNIXSocketAddress.of(daemon.socketPath());
            client.bind(AFUNIXSocketAddress.inAbstractNamespace("zerocp-creation-bench-" + ProcessHandle.current().pid()));
            pinger.bind(AFUNIXSocketAddress.inAbstractNamespace("zerocp-creation-ping-" + ProcessHandle.current().pid()));
            client.socket().setSoTimeout(60_000);
            pinger.socket().setSoTimeout(10_000);
            ask(client, to, "REGISTER:process_id=" + ProcessHandle.current().pid());
            final FileStore store = Files.getFileStore(shm);
            final long baseline = store.getUsableSpace();

            final long[][] daemonNs = new long[SIZES.length][];
            final long[][] cNs = new long[SIZES.length][];
            for (int s = 0; s < SIZES.length; s++)
            {
                final int n = SAMPLES[s] * rounds;
                daemonNs[s] = new long[n];
                cNs[s] = new long[n];
                for (int w = 0; w < WARM_UP[s]; w++)
                {
                    viaDaemon(client, to, "warm_" + s + "_" + w, SIZES[s], store, baseline);
                    viaC(cIn, cOut, shm.resolve("c_warm"), SIZES[s]);
                }
                for (int i = 0; i < n; i++)
                {
                    daemonNs[s][i] = viaDaemon(client, to, "r_" + s + "_" + i, SIZES[s], store, baseline);
                    cNs[s][i] = viaC(cIn, cOut, shm.resolve("c_floor"), SIZES[s]);
                }
            }
            System.out.println();
            System.out.println("| size | samples | daemon p50 / p99 ms | C floor p50 / p99 ms | daemon ÷ floor (p50) " +
                "| target |");
            System.out.println("|---|---:|---:|---:|---:|---|");
            for (int s = 0; s < SIZES.length; s++)
            {
                Arrays.sort(daemonNs[s]);
                Arrays.sort(cNs[s]);
                System.out.printf(Locale.ROOT, "| %s | %d | %.3f / %.3f | %.3f / %.3f | %.2f× | %s |%n",
                    label(SIZES[s]), daemonNs[s].length, pct(daemonNs[s], 50) / 1e6, pct(daemonNs[s], 99) / 1e6,
                    pct(cNs[s], 50) / 1e6, pct(cNs[s], 99) / 1e6, (double)pct(daemonNs[s], 50) / pct(cNs[s], 50),
                    SIZES[s] >= 8L << 20 ? "≤ 1.2×" : "—");
            }

            // PING from another client, one in flight, while 1 GiB regions are made back to back.
            final List<Long> pings = new ArrayList<>();
            final boolean[] stop = {false};
            final Thread pingThread = new Thread(() ->
            {
                final ByteBuffer out = ByteBuffer.wrap("PING".getBytes(StandardCharsets.US_ASCII));
                final ByteBuffer in = ByteBuffer.allocateDirect(256);
                try
                {
                    while (!stop[0])
                    {
                        out.rewind();
                        in.clear();
                        final long t0 = System.nanoTime();
                        pinger.send(out, to);
                        pinger.receive(in);
                        final long rtt = System.nanoTime() - t0;
                        synchronized (pings)
                        {
                            pings.add(rtt);
                        }
                        Thread.sleep(0, 200_000);
                    }
                }
                catch (final IOException | InterruptedException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }, "pinger");
            final long makeStart = System.nanoTime();
            pingThread.start();
            for (int i = 0; i < PING_CREATIONS * rounds; i++)
            {
                viaDaemon(client, to, "ping_" + i, 1L << 30, store, baseline);
            }
            stop[0] = true;
            pingThread.join();
            final long makeNs = System.nanoTime() - makeStart;
            final long[] rtt;
            synchronized (pings)
            {
                rtt = pings.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            System.out.println();
            System.out.println("| PING while 1 GiB regions are made | PINGs | p50 ms | p99 ms | max ms | target |");
            System.out.println("|---|---:|---:|---:|---:|---|");
            System.out.printf(Locale.ROOT, "| %d creations in %.1f s | %d | %.3f | %.3f | %.3f | p99 ≤ 2 ms |%n",
                PING_CREATIONS * rounds, makeNs / 1e9, rtt.length, pct(rtt, 50) / 1e6, pct(rtt, 99) / 1e6,
                rtt[rtt.length - 1] / 1e6);
            System.out.printf("load average at end: %s%n", loadAverage());
        }
        finally
        {
            c.destroy();
            if (null != daemon)
            {
                daemon.close();
            }
            deleteTree(shm);
            deleteTree(work);
        }
    }

    /** @return ns from request to reply; then RELEASE and a wait until the tmpfs has its space back. */
    private static long viaDaemon(
        final AFUNIXDatagramChannel client, final AFUNIXSocketAddress to, final String name, final long size,
        final FileStore store, final long baseline) throws Exception
    {
        final long t0 = System.nanoTime();
        final String reply = ask(client, to, "GET_SHM_PATH:" + name + ",size=" + size);
        final long ns = System.nanoTime() - t0;
        if (reply.startsWith("ERROR"))
        {
            throw new IllegalStateException(name + ": " + reply);
        }
        ask(client, to, "RELEASE:" + name);
        awaitSpace(store, baseline);
        return ns;
    }

    private static long viaC(final PrintWriter in, final BufferedReader out, final Path path, final long size)
        throws IOException
    {
        in.println(path + " " + size);
        final String line = out.readLine();
        if (null == line || line.startsWith("ERR"))
        {
            throw new IllegalStateException("create_floor: " + line);
        }
        return Long.parseLong(line.trim());
    }

    private static void awaitSpace(final FileStore store, final long baseline) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (store.getUsableSpace() < baseline - (16L << 20) && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
    }

    private static String ask(final AFUNIXDatagramChannel channel, final AFUNIXSocketAddress to, final String request)
        throws IOException
    {
        channel.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)), to);
        final ByteBuffer in = ByteBuffer.allocate(4096);
        channel.receive(in);
        return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
    }

    private static String label(final long size)
    {
        return size >= 1L << 30 ? (size >> 30) + " GiB" : size >= 1L << 20 ? (size >> 20) + " MiB" :
            (size >> 10) + " KiB";
    }

    private static long pct(final long[] sorted, final double p)
    {
        final int i = (int)Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String loadAverage() throws IOException
    {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static void deleteTree(final Path root) throws IOException
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
