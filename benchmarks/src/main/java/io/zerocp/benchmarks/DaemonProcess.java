package io.zerocp.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * zerocpd as operators run it: {@code java -cp registry-daemon/<build dir>/<jar>:registry-daemon/<build dir>/lib/*
 * io.zerocp.daemon.Zerocpd}, in its own process, on its own socket and shm directory, both removed on close.
 */
final class DaemonProcess implements AutoCloseable
{
    static final String MAIN = "io.zerocp.daemon.Zerocpd";

    /** In the transports list: run zerocpd without {@code --transport} (a daemon from before the flag). */
    static final String DEFAULT_TRANSPORT = "default";

    final String label;
    final String transport;
    final BenchDirs dirs;
    final Path socket;
    final JavaProcess process;
    final long startNanos;

    private DaemonProcess(final String label, final String transport, final BenchDirs dirs, final Path socket,
        final JavaProcess process, final long startNanos)
    {
        this.label = label;
        this.transport = transport;
        this.dirs = dirs;
        this.socket = socket;
        this.process = process;
        this.startNanos = startNanos;
    }

    /** The daemon's class path as built by Maven into {@code buildDir} (target, or run.sh's): its jar plus lib. */
    static String classPath(final Path repoRoot, final String buildDir)
    {
        final Path target = repoRoot.resolve("registry-daemon").resolve(buildDir);
        try (Stream<Path> files = Files.list(target.resolve("lib")))
        {
            final List<String> entries = new ArrayList<>();
            try (Stream<Path> jars = Files.list(target))
            {
                jars.filter(p -> p.getFileName().toString().matches("registry-daemon-.*\\.jar") &&
                    !p.getFileName().toString().contains("tests"))
                    .forEach(p -> entries.add(p.toString()));
            }
            if (entries.isEmpty())
            {
                throw new IllegalStateException("no registry-daemon jar in " + target + ": build first");
            }
            entries.addAll(files.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted()
                .collect(Collectors.toList()));
            return String.join(":", entries);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Starts a daemon on the run's first transport; does not wait for it. */
    static DaemonProcess start(final Suite.Env env, final String label, final List<String> jvmFlags,
        final List<String> args)
    {
        return start(env, label, env.primaryTransport(), jvmFlags, args);
    }

    /**
     * Starts a daemon; does not wait for it.
     *
     * @param transport {@code --transport} value, or {@link #DEFAULT_TRANSPORT} for none.
     * @param jvmFlags  extra JVM flags (the Agrona export is always added).
     * @param args      extra zerocpd flags.
     */
    static DaemonProcess start(final Suite.Env env, final String label, final String transport,
        final List<String> jvmFlags, final List<String> args)
    {
        final BenchDirs dirs = BenchDirs.create(label);
        final Path socket = dirs.socket("zerocpd.sock");
        final List<String> command = new ArrayList<>();
        command.add(JavaProcess.javaExecutable());
        command.addAll(JavaProcess.agronaFlags());
        command.add("-Dzerocp.log.level=" + System.getProperty("bench.daemon.log", "WARN"));
        command.addAll(jvmFlags); // after the log level, so a variant may override it
        command.add("-cp");
        command.add(env.daemonClassPath);
        command.add(MAIN);
        command.add("--socket");
        command.add(socket.toString());
        command.add("--shm-dir");
        command.add(dirs.shmDir.toString());
        if (!DEFAULT_TRANSPORT.equals(transport))
        {
            command.add("--transport");
            command.add(transport);
        }
        command.addAll(args);
        final long start = System.nanoTime();
        final JavaProcess process = JavaProcess.start(env.logDir, "zerocpd-" + label, command);
        return new DaemonProcess(label, transport, dirs, socket, process, start);
    }

    /** Starts a daemon on the run's first transport and waits for its first PONG. */
    static DaemonProcess startReady(final Suite.Env env, final String label, final List<String> jvmFlags,
        final List<String> args)
    {
        return startReady(env, label, env.primaryTransport(), jvmFlags, args);
    }

    /**
     * Starts a daemon and waits for its first PONG; fails at once, with the daemon's own words, if it exits first
     * (say a zerocpd without {@code --transport}, or a transport this JDK cannot run).
     */
    static DaemonProcess startReady(final Suite.Env env, final String label, final String transport,
        final List<String> jvmFlags, final List<String> args)
    {
        final DaemonProcess daemon = start(env, label, transport, jvmFlags, args);
        daemon.awaitPong(30_000);
        return daemon;
    }

    /**
     * Waits for the first PONG; if the daemon exits first (say a zerocpd without {@code --transport}, or a transport
     * this JDK cannot run) or none comes in time, closes it and fails with the daemon's own words.
     *
     * @return nanoTime at which the PONG arrived.
     */
    long awaitPong(final long timeoutMs)
    {
        try (Probe probe = new Probe(socket))
        {
            final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (true)
            {
                final long pong = probe.awaitPong(250);
                if (pong >= 0)
                {
                    return pong;
                }
                if (!process.process.isAlive() || System.nanoTime() > deadline)
                {
                    throw notReady(this, label, transport, timeoutMs);
                }
            }
        }
        catch (final IOException ex)
        {
            close();
            throw new UncheckedIOException(ex);
        }
    }

    private static IllegalStateException notReady(final DaemonProcess daemon, final String label,
        final String transport, final long timeoutMs)
    {
        final boolean exited = !daemon.process.process.isAlive();
        final String tail = daemon.process.logTail();
        daemon.close();
        String hint = "";
        if (exited && tail.contains("--transport") && !DEFAULT_TRANSPORT.equals(transport))
        {
            hint = "\nThis zerocpd does not accept --transport " + transport + ". The daemon with the --transport " +
                "flag is needed for --transports " + transport + " (benchmarks/run.sh --transports default runs a " +
                "daemon from before the flag).";
        }
        return new IllegalStateException("zerocpd " + label + " (transport " + transport + ") " +
            (exited ? "exited with code " + daemon.process.process.exitValue() + " before answering PING" :
                "did not answer PING in " + timeoutMs + " ms") + ":\n" + tail + hint);
    }

    long pid()
    {
        return process.pid();
    }

    /** @return VmRSS in KiB from /proc, or -1. */
    long rssKiB()
    {
        return rssKiB(pid());
    }

    /** @return VmRSS of process {@code pid} in KiB from /proc, or -1. */
    static long rssKiB(final long pid)
    {
        try
        {
            for (final String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status")))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return -1;
        }
        return -1;
    }

    @Override
    public void close()
    {
        process.close(); // SIGTERM: the daemon persists, removes its socket and exits
        dirs.close();
    }
}
