package io.zerocp.benchmarks.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.daemon.Daemon;
import io.zerocp.daemon.DaemonConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the typed-region benchmarks share: a private zerocpd in this JVM (its own socket and shm directory, removed
 * afterwards), child JVMs on this class path whose output lines can be awaited, and medians.
 */
final class BenchSupport implements AutoCloseable
{
    private final Path shmDir;
    private final Path socketDir;
    private final Daemon daemon;

    BenchSupport()
    {
        try
        {
            final String id = Long.toString(ProcessHandle.current().pid());
            shmDir = Files.createDirectories(Paths.get("/dev/shm", "zerocp-bench-typed-" + id));
            socketDir = Files.createDirectories(Paths.get("/tmp", "zerocp-bench-typed-" + id));
            daemon = Daemon.start(DaemonConfig.builder().socketPath(socketDir.resolve("d.sock")).shmDir(shmDir).build());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final Daemon.DaemonStartException ex)
        {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    Path socket()
    {
        return daemon.socketPath();
    }

    Path socketDir()
    {
        return socketDir;
    }

    RegistryClient client()
    {
        return RegistryClient.builder().socketPath(socket()).timeout(Duration.ofSeconds(10)).build();
    }

    static RegistryClient client(final String socket)
    {
        return RegistryClient.builder().socketPath(Paths.get(socket)).timeout(Duration.ofSeconds(10)).build();
    }

    /** A child JVM whose stdout lines arrive in a queue. */
    static final class Child implements AutoCloseable
    {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder all = new StringBuilder();

        Child(final Process process)
        {
            this.process = process;
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while (null != (line = in.readLine()))
                    {
                        synchronized (all)
                        {
                            all.append(line).append('\n');
                        }
                        lines.add(line);
                    }
                }
                catch (final IOException ignore)
                {
                    // child gone
                }
            }, "bench-child-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** @return the first line starting with {@code prefix}; fails after {@code timeout}. */
        String await(final String prefix, final Duration timeout) throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true)
            {
                final String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (null != line && line.startsWith(prefix))
                {
                    return line;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    synchronized (all)
                    {
                        throw new IllegalStateException("child printed no '" + prefix + "' line within " + timeout +
                            "; output:\n" + all);
                    }
                }
            }
        }

        @Override
        public void close()
        {
            if (process.isAlive())
            {
                process.destroyForcibly();
            }
            try
            {
                process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts {@code main} in a new JVM with this class path, the Agrona flags and {@code extraJvmFlags}. */
    static Child start(final Class<?> main, final List<String> extraJvmFlags, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(io.zerocp.api.RequiredJvmFlags.forThisJvm());
        command.addAll(extraJvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        try
        {
            return new Child(new ProcessBuilder(command).redirectErrorStream(true).start());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the value of {@code key=} in a {@code RESULT k=v ...} line. */
    static double field(final String line, final String key)
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

    static double median(final List<Double> values)
    {
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] :
            (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    static String format(final String pattern, final Object... args)
    {
        return String.format(Locale.ROOT, pattern, args);
    }

    static String option(final String[] args, final String name, final String fallback)
    {
        for (int i = 0; i + 1 < args.length; i++)
        {
            if (args[i].equals("--" + name))
            {
                return args[i + 1];
            }
        }
        return fallback;
    }

    @Override
    public void close()
    {
        daemon.close();
        deleteTree(shmDir);
        deleteTree(socketDir);
    }

    static void deleteTree(final Path root)
    {
        io.zerocp.benchmarks.BenchDirs.deleteTree(root);
    }
}
