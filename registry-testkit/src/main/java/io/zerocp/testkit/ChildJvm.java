package io.zerocp.testkit;

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
        return launch(List.of(), System.getProperty("java.class.path"), mainClass, args);
    }

    /**
     * Runs the main class under {@code prefix}, a command that execs the rest of its arguments (e.g.
     * {@code unshare --pid --fork --kill-child --mount-proc}: the JVM in a pid namespace of its own).
     */
    public static ChildJvm startUnder(final List<String> prefix, final Class<?> mainClass, final String... args)
    {
        return launch(prefix, System.getProperty("java.class.path"), mainClass, args);
    }

    /**
     * Runs the main class as another user (needs root and {@code setpriv}). The class path is copied to a
     * world-readable temp dir first, since the build's own files (e.g. {@code ~/.m2}) may be private to root.
     */
    public static ChildJvm startAs(final String user, final Class<?> mainClass, final String... args)
    {
        return launch(List.of("setpriv", "--reuid=" + user, "--regid=" + groupOf(user), "--clear-groups", "--"),
            readableClassPath(), mainClass, args);
    }

    /**
     * Runs the main class under a wrapper command, e.g. {@code unshare --pid --fork --kill-child --mount-proc} for a
     * JVM in its own pid namespace. {@link #pid()} is then the wrapper's pid; {@link #kill9()} kills the wrapper,
     * which must take the JVM with it (unshare's {@code --kill-child}).
     */
    public static ChildJvm startWrapped(final List<String> wrapper, final Class<?> mainClass, final String... args)
    {
        return launch(wrapper, System.getProperty("java.class.path"), mainClass, args);
    }

    /** @return whether {@link #startAs} can work here: running as root with setpriv and the user present. */
    public static boolean canRunAs(final String user)
    {
        try
        {
            final Process p = new ProcessBuilder("setpriv", "--reuid=" + user, "--regid=" + groupOf(user),
                "--clear-groups", "--", "true").redirectErrorStream(true).start();
            return "root".equals(System.getProperty("user.name")) && p.waitFor(10, TimeUnit.SECONDS) &&
                p.exitValue() == 0;
        }
        catch (final IOException | InterruptedException ex)
        {
            return false;
        }
    }

    private static String groupOf(final String user)
    {
        try
        {
            final Process p = new ProcessBuilder("id", "-g", user).redirectErrorStream(true).start();
            final String gid = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                .trim();
            return p.waitFor() == 0 ? gid : user;
        }
        catch (final IOException | InterruptedException ex)
        {
            return user;
        }
    }

    private static String readableClassPath;

    /** Copies the class path once per test JVM; a shutdown hook removes the copy. */
    private static synchronized String readableClassPath()
    {
        if (null != readableClassPath)
        {
            return readableClassPath;
        }
        try
        {
            final Path dir = Files.createTempDirectory("zerocp-cp-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TestDirs.deleteTree(dir)));
            final List<String> entries = new ArrayList<>();
            int i = 0;
            for (final String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator))
            {
                final Path source = Paths.get(entry);
                if (!Files.exists(source))
                {
                    continue;
                }
                final Path target = dir.resolve((i++) + "-" + source.getFileName());
                if (Files.isDirectory(source))
                {
                    try (java.util.stream.Stream<Path> files = Files.walk(source))
                    {
                        for (final Path f : (Iterable<Path>)files::iterator)
                        {
                            final Path t = target.resolve(source.relativize(f).toString());
                            if (Files.isDirectory(f))
                            {
                                Files.createDirectories(t);
                            }
                            else
                            {
                                Files.copy(f, t);
                            }
                        }
                    }
                }
                else
                {
                    Files.copy(source, target);
                }
                entries.add(target.toString());
            }
            try (java.util.stream.Stream<Path> all = Files.walk(dir))
            {
                for (final Path p : (Iterable<Path>)all::iterator)
                {
                    Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            readableClassPath = String.join(java.io.File.pathSeparator, entries);
            return readableClassPath;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static ChildJvm launch(
        final List<String> prefix, final String classPath, final Class<?> mainClass, final String... args)
    {
        final List<String> command = new ArrayList<>(prefix);
        // With SIGHUP at its default: a build started under nohup passes SIGHUP on ignored, and a JVM keeps an
        // ignored SIGHUP ignored, so a child daemon would never see the reload signal (env execs: same pid).
        command.addAll(List.of("env", "--default-signal=HUP"));
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        final String transport = System.getProperty("zerocp.transport");
        if (null != transport)
        {
            command.add("-Dzerocp.transport=" + transport); // child daemons use the transport under test
        }
        command.add("-Xshare:auto");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(classPath);
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
        return io.zerocp.api.RequiredJvmFlags.forThisJvm();
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

    /**
     * Waits until the child has printed {@code text}, up to 90 s (a liveness bound for a loaded machine, not a
     * timing).
     *
     * @throws AssertionError with the child's output when it exits first or never prints it.
     */
    public void awaitPrinted(final String text) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!printed(text))
        {
            if (System.nanoTime() > deadline || !process().isAlive() && !printed(text))
            {
                throw new AssertionError("child never printed '" + text + "':\n" + output());
            }
            Thread.sleep(20);
        }
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
