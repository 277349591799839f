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
 * zerocpd as operators run it: {@code java -cp registry-daemon/target/<jar>:registry-daemon/target/lib/*
 * io.zerocp.daemon.Zerocpd}, in its own process, on its own socket and shm directory, both removed on close.
 */
final class DaemonProcess implements AutoCloseable
{
    static final String MAIN = "io.zerocp.daemon.Zerocpd";

    final BenchDirs dirs;
    final Path socket;
    final JavaProcess process;
    final long startNanos;

    private DaemonProcess(final BenchDirs dirs, final Path socket, final JavaProcess process, final long startNanos)
    {
        this.dirs = dirs;
        this.socket = socket;
        this.process = process;
        this.startNanos = startNanos;
    }

    /** The daemon's class path as built by Maven: its own jar plus target/lib. */
    static String classPath(final Path repoRoot)
    {
        final Path target = repoRoot.resolve("registry-daemon").resolve("target");
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

    /**
     * Starts a daemon; does not wait for it.
     *
     * @param jvmFlags extra JVM flags (the Agrona export is always added).
     * @param args     extra zerocpd flags.
     */
    static DaemonProcess start(final Suite.Env env, final String label, final List<String> jvmFlags,
        final List<String> args)
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
        command.addAll(args);
        final long start = System.nanoTime();
        final JavaProcess process = JavaProcess.start(env.logDir, "zerocpd-" + label, command);
        return new DaemonProcess(dirs, socket, process, start);
    }

    /** Starts a daemon and waits for its first PONG. */
    static DaemonProcess startReady(final Suite.Env env, final String label, final List<String> jvmFlags,
        final List<String> args)
    {
        final DaemonProcess daemon = start(env, label, jvmFlags, args);
        try (Probe probe = new Probe(daemon.socket))
        {
            if (probe.awaitPong(30_000) < 0)
            {
                final String tail = daemon.process.logTail();
                daemon.close();
                throw new IllegalStateException("zerocpd " + label + " did not answer PING in 30 s:\n" + tail);
            }
        }
        catch (final IOException ex)
        {
            daemon.close();
            throw new UncheckedIOException(ex);
        }
        return daemon;
    }

    long pid()
    {
        return process.pid();
    }

    /** @return VmRSS in KiB from /proc, or -1. */
    long rssKiB()
    {
        try
        {
            for (final String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid()), "status")))
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
