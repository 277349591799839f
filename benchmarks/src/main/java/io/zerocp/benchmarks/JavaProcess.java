package io.zerocp.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM under test. Its stdout is read line by line (the protocol between the suite and its helper
 * processes); stderr goes to a log file for post-mortems.
 */
final class JavaProcess implements AutoCloseable
{
    private static final String EOF = "\u0000EOF";

    final Process process;
    final Path log;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Writer stdin;

    private JavaProcess(final Process process, final Path log)
    {
        this.process = process;
        this.log = log;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = in.readLine()))
                {
                    lines.add(line);
                }
            }
            catch (final IOException ignore)
            {
                // the process went; EOF below tells the waiter
            }
            lines.add(EOF);
        }, "stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** The flags every JVM that uses Agrona needs (and junixsocket on JDK 22+). */
    static List<String> agronaFlags()
    {
        return io.zerocp.api.RequiredJvmFlags.forThisJvm();
    }

    static String javaExecutable()
    {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts {@code mainClass} of the benchmarks module with this JVM's class path. */
    static JavaProcess startBench(final Path logDir, final String label, final List<String> jvmFlags,
        final Class<?> mainClass, final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(agronaFlags());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        return start(logDir, label, command);
    }

    static JavaProcess start(final Path logDir, final String label, final List<String> command)
    {
        try
        {
            final Path log = Files.createTempFile(logDir, label + "-", ".log");
            final Process process = new ProcessBuilder(command)
                .redirectError(log.toFile())
                .start();
            return new JavaProcess(process, log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    long pid()
    {
        return process.pid();
    }

    /** @return the next stdout line starting with {@code prefix}, or null on timeout or exit. */
    String awaitLine(final String prefix, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            final long left = deadline - System.nanoTime();
            final String line = lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (null == line)
            {
                return null;
            }
            if (EOF.equals(line))
            {
                lines.add(EOF);
                return null;
            }
            if (line.startsWith(prefix))
            {
                return line;
            }
        }
    }

    void send(final String line)
    {
        try
        {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    String logTail()
    {
        try
        {
            final List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex + ")";
        }
    }

    /** SIGTERM, a grace period, then SIGKILL. */
    @Override
    public void close()
    {
        if (!process.isAlive())
        {
            return;
        }
        process.destroy();
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
