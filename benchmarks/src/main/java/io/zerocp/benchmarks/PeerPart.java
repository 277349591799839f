package io.zerocp.benchmarks;

import io.zerocp.benchmarks.aeron.AeronIpcThroughput;
import io.zerocp.benchmarks.aeron.AeronPeerClient;
import io.zerocp.benchmarks.typed.RingThroughputBenchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The peer suite: zerocpd beside Aeron's media driver (1.51.0, a separate process, IPC only), measured interleaved on
 * the same machine in the same run. Start to ready; idle and loaded RSS; acquiring a 64 KiB and an 8 MiB shared
 * buffer in a connected client (Aeron: an exclusive IPC publication of that term length, sparse and not);
 * {@code kill -9} of a client until its file is gone (Aeron with its defaults and with its lowest accepted client
 * liveness timeout); 64-byte messages/s through our one-to-one ring and through Aeron IPC. What makes each
 * comparison unfair is in docs/benchmarks.md.
 */
final class PeerPart
{
    static final int SMALL = 64 * 1024;
    static final int LARGE = 8 * 1024 * 1024;
    /** Iterations dropped from each acquire series: both clients' first calls load and compile code. */
    static final int ACQUIRE_WARMUP = 2;
    private static final long KILL_BOUND_NS = 40_000_000_000L;

    /** Sorted samples of one series, in the unit the name says. */
    record Series(String name, double[] sorted)
    {
        static Series of(final String name, final List<Double> values)
        {
            final double[] s = values.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(s);
            return new Series(name, s);
        }

        double median()
        {
            return sorted.length == 0 ? Double.NaN : sorted[(sorted.length - 1) / 2];
        }

        double p90()
        {
            return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, (int)Math.ceil(0.9 * sorted.length) - 1)];
        }

        double max()
        {
            return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
        }
    }

    /** Everything measured, by series name (see the constants in {@link Report}). */
    record Result(Map<String, Series> series, long lowLivenessMs, int lost)
    {
    }

    private PeerPart()
    {
    }

    static Result run(final Suite.Env env) throws Exception
    {
        final Map<String, List<Double>> values = new LinkedHashMap<>();
        int lost = 0;

        Suite.step("peer: start to ready, zerocpd and Aeron's driver in turn (" + env.peerStartups + " each)");
        for (int i = 0; i < env.peerStartups; i++)
        {
            try (DaemonProcess daemon = DaemonProcess.start(env, "peer-start", List.of(), List.of()))
            {
                add(values, "start.zerocp", (daemon.awaitPong(30_000) - daemon.startNanos) / 1e6);
            }
            try (AeronProcess driver = AeronProcess.start(env, "start", null))
            {
                final long ready = driver.awaitReady(30_000);
                if (ready < 0)
                {
                    throw new IllegalStateException("Aeron: not ready in 30 s:\n" + driver.process.logTail());
                }
                add(values, "start.aeron", (ready - driver.startNanos) / 1e6);
            }
        }

        try (DaemonProcess daemon = DaemonProcess.startReady(env, "peer", List.of(), List.of("--lease-ttl-ms",
            "30000"));
             AeronProcess aeron = AeronProcess.startReady(env, "default", null);
             AeronProcess aeronLow = AeronProcess.startReady(env, "low", env.aeronLowLivenessMs))
        {
            LockSupport.parkNanos(1_000_000_000L); // let both settle before the idle reading
            add(values, "rss.idle.zerocp", daemon.rssKiB() / 1024.0);
            add(values, "rss.idle.aeron", aeron.rssKiB() / 1024.0);

            acquire(env, daemon, aeron, values);
            add(values, "rss.loaded.zerocp", daemon.rssKiB() / 1024.0);
            add(values, "rss.loaded.aeron", aeron.rssKiB() / 1024.0);

            lost += kills(env, daemon, aeron, aeronLow, values);
            throughput(env, aeron, values);
        }
        final Map<String, Series> series = new LinkedHashMap<>();
        values.forEach((k, v) -> series.put(k, Series.of(k, v)));
        return new Result(series, env.aeronLowLivenessMs, lost);
    }

    private static void acquire(final Suite.Env env, final DaemonProcess daemon, final AeronProcess aeron,
        final Map<String, List<Double>> values) throws InterruptedException
    {
        Suite.step("peer: acquire 64 KiB and 8 MiB in a connected client, zerocp and Aeron (sparse and not) in turn, " +
            env.peerAcquires + " each");
        try (JavaProcess ours = JavaProcess.startBench(env.logDir, "peer-zerocp-client", env.clientJvmFlags,
            ZerocpPeerClient.class, List.of(daemon.socket.toString()));
             JavaProcess theirs = JavaProcess.start(env.logDir, "peer-aeron-client", AeronProcess.command(env,
                 AeronPeerClient.class, List.of(aeron.dir.toString(), "acquire"))))
        {
            ready(ours, "zerocp client");
            ready(theirs, "Aeron client");
            for (int i = 0; i < env.peerAcquires + ACQUIRE_WARMUP; i++)
            {
                for (final int size : new int[] {SMALL, LARGE})
                {
                    final String label = size == SMALL ? "64k" : "8m";
                    final double zerocp = ask(ours, "ACQ " + size);
                    final double sparse = ask(theirs, "ACQ " + label + " true");
                    final double reserved = ask(theirs, "ACQ " + label + " false");
                    if (i >= ACQUIRE_WARMUP)
                    {
                        add(values, "acquire." + label + ".zerocp", zerocp);
                        add(values, "acquire." + label + ".aeron-sparse", sparse);
                        add(values, "acquire." + label + ".aeron-reserved", reserved);
                    }
                }
            }
        }
    }

    /** @return microseconds the child reports for one command. */
    private static double ask(final JavaProcess child, final String command) throws InterruptedException
    {
        child.send(command);
        final String line = child.awaitLine("T ", 60_000);
        if (null == line)
        {
            throw new IllegalStateException("no answer to " + command + ":\n" + child.logTail());
        }
        return Long.parseLong(line.substring(2).trim()) / 1e3;
    }

    private static String ready(final JavaProcess child, final String what) throws InterruptedException
    {
        final String line = child.awaitLine("READY", 60_000);
        if (null == line)
        {
            child.close();
            throw new IllegalStateException(what + " did not start:\n" + child.logTail());
        }
        return line;
    }

    /**
     * Each round: a zerocp holder and one Aeron holder per driver, all ready; each gets SIGKILL, one right after
     * the other, and each file is timed from its own kill until it is gone.
     *
     * @return files not gone within the bound.
     */
    private static int kills(final Suite.Env env, final DaemonProcess daemon, final AeronProcess aeron,
        final AeronProcess aeronLow, final Map<String, List<Double>> values) throws InterruptedException
    {
        Suite.step("peer: kill -9 of a client until its file is gone, zerocp and Aeron (defaults, liveness " +
            env.aeronLowLivenessMs + " ms) at once, " + env.peerKillRounds + " round(s)");
        int lost = 0;
        for (int round = 0; round < env.peerKillRounds; round++)
        {
            final String region = "peer_kill_" + round;
            final List<JavaProcess> holders = new ArrayList<>();
            try
            {
                holders.add(JavaProcess.startBench(env.logDir, "peer-holder", env.holderJvmFlags, RegionHolder.class,
                    List.of(daemon.socket.toString(), region)));
                holders.add(JavaProcess.start(env.logDir, "peer-aeron-holder", AeronProcess.command(env,
                    AeronPeerClient.class, List.of(aeron.dir.toString(), "hold", "64k"))));
                holders.add(JavaProcess.start(env.logDir, "peer-aeron-holder-low", AeronProcess.command(env,
                    AeronPeerClient.class, List.of(aeronLow.dir.toString(), "hold", "64k"))));
                final List<Path> files = new ArrayList<>();
                files.add(daemon.dirs.shmDir.resolve(region + "_shm"));
                final String aeronId = ready(holders.get(1), "Aeron holder").split(" ")[1];
                final String lowId = ready(holders.get(2), "Aeron holder").split(" ")[1];
                ready(holders.get(0), "zerocp holder");
                files.add(aeron.dir.resolve("publications").resolve(aeronId + ".logbuffer"));
                files.add(aeronLow.dir.resolve("publications").resolve(lowId + ".logbuffer"));
                for (final Path file : files)
                {
                    if (!Files.exists(file))
                    {
                        throw new IllegalStateException("no file before the kill: " + file);
                    }
                }
                final long[] killed = new long[3];
                for (int i = 0; i < 3; i++)
                {
                    killed[i] = System.nanoTime();
                    holders.get(i).process.destroyForcibly(); // SIGKILL
                }
                final String[] names = {"kill.zerocp", "kill.aeron-default", "kill.aeron-low"};
                final boolean[] gone = new boolean[3];
                int left = 3;
                while (left > 0 && System.nanoTime() - killed[0] < KILL_BOUND_NS)
                {
                    for (int i = 0; i < 3; i++)
                    {
                        if (!gone[i] && !Files.exists(files.get(i)))
                        {
                            gone[i] = true;
                            left--;
                            add(values, names[i], (System.nanoTime() - killed[i]) / 1e6);
                        }
                    }
                    LockSupport.parkNanos(200_000);
                }
                lost += left;
            }
            finally
            {
                holders.forEach(JavaProcess::close);
            }
        }
        return lost;
    }

    private static void throughput(final Suite.Env env, final AeronProcess aeron,
        final Map<String, List<Double>> values) throws InterruptedException
    {
        Suite.step("peer: 64-byte messages/s, one-to-one ring and Aeron IPC in turn, " + env.peerRuns + " run(s) of " +
            env.peerSeconds + " s");
        for (int run = 0; run < env.peerRuns; run++)
        {
            try (JavaProcess ring = JavaProcess.startBench(env.logDir, "peer-ring", List.of(),
                RingThroughputBenchmark.class, List.of("--kinds", "o2o", "--runs", "1", "--seconds",
                    Double.toString(env.peerSeconds), "--no-c", "not in the peer suite")))
            {
                final String line = ring.awaitLine("RESULT", 120_000);
                if (null == line)
                {
                    throw new IllegalStateException("ring run gave no result:\n" + ring.logTail());
                }
                add(values, "msgs.zerocp", field(line, "o2o") / 1e6);
            }
            try (JavaProcess sub = JavaProcess.start(env.logDir, "peer-aeron-sub", AeronProcess.command(env,
                AeronIpcThroughput.class, List.of(aeron.dir.toString(), "sub")));
                 JavaProcess pub = startPublisher(env, aeron, sub))
            {
                final String done = pub.awaitLine("DONE", (long)(env.peerSeconds * 1000) + 60_000);
                final String line = null == done ? null : sub.awaitLine("RESULT", 60_000);
                if (null == line)
                {
                    throw new IllegalStateException("Aeron IPC run gave no result:\n" + pub.logTail() + "\n" +
                        sub.logTail());
                }
                if ((long)field(done, "sent") != (long)field(line, "count"))
                {
                    throw new IllegalStateException("Aeron: sent " + done + ", received " + line);
                }
                add(values, "msgs.aeron", field(line, "rate") / 1e6);
            }
        }
    }

    private static JavaProcess startPublisher(final Suite.Env env, final AeronProcess aeron, final JavaProcess sub)
        throws InterruptedException
    {
        ready(sub, "Aeron subscriber");
        // The same length as the ring's capacity (256 KiB); Aeron keeps three terms of it.
        return JavaProcess.start(env.logDir, "peer-aeron-pub", AeronProcess.command(env, AeronIpcThroughput.class,
            List.of(aeron.dir.toString(), "pub", Double.toString(env.peerSeconds), "256k")));
    }

    private static double field(final String line, final String key)
    {
        for (final String part : line.split(" "))
        {
            if (part.startsWith(key + "="))
            {
                return Double.parseDouble(part.substring(key.length() + 1));
            }
        }
        throw new IllegalArgumentException("no " + key + " in " + line);
    }

    private static void add(final Map<String, List<Double>> values, final String key, final double value)
    {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
}
