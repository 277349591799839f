package io.zerocp.daemon.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a separate JVM with this test's class path and the flags Agrona needs, so crash tests can
 * {@code kill -9} a real process. Output goes to a file that {@link #output()} reads.
 */
public final class ChildJvm implements AutoCloseable
{
    private final Process process;
    private final Path log;

    private ChildJvm(final Process process, final Path log)
    {
        this.process = process;
        this.log = log;
    }

    public static ChildJvm start(final Class<?> mainClass, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        command.add("-Xshare:auto");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(args));
        try
        {
            final Path log = Files.createTempFile("zerocp-child-", ".log");
            final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
            return new ChildJvm(process, log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The flags every JVM that uses Agrona (and junixsocket on JDK 22+) needs. */
    public static List<String> jvmFlags()
    {
        final List<String> flags = new ArrayList<>();
        flags.add("--add-exports");
        flags.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        if (Runtime.version().feature() >= 22)
        {
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return flags;
    }

    public Process process()
    {
        return process;
    }

    public long pid()
    {
        return process.pid();
    }

    /** SIGKILL, then reap the child so it does not linger as a zombie. */
    public void kill9()
    {
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the exit code, or -1 if it did not exit in time. */
    public int waitFor(final long timeout, final TimeUnit unit)
    {
        try
        {
            return process.waitFor(timeout, unit) ? process.exitValue() : -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** @return everything the child printed so far. */
    public String output()
    {
        try
        {
            return Files.readString(log);
        }
        catch (final IOException ex)
        {
            return "<cannot read " + log + ": " + ex + ">";
        }
    }

    /** @return whether the child has printed a line containing {@code text}. */
    public boolean printed(final String text)
    {
        return output().contains(text);
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            kill9();
        }
        try
        {
            Files.deleteIfExists(log);
        }
        catch (final IOException ignore)
        {
            // temp file
        }
    }
}
