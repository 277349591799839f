package io.zerocp.benchmarks;

import io.zerocp.benchmarks.aeron.AeronDriver;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Aeron's media driver ({@link AeronDriver}) in its own process and its own directory under /dev/shm (removed on
 * close), and the Aeron-side JVMs that talk to it, all with only {@code aeron-all.jar} and this module's classes on
 * the class path and the same JVM flags as zerocpd.
 */
final class AeronProcess implements AutoCloseable
{
    final Path dir;
    final JavaProcess process;
    final long startNanos;

    private AeronProcess(final Path dir, final JavaProcess process, final long startNanos)
    {
        this.dir = dir;
        this.process = process;
        this.startNanos = startNanos;
    }

    /** Starts a driver; does not wait. {@code livenessMs} is its client liveness timeout, or null for Aeron's. */
    static AeronProcess start(final Suite.Env env, final String label, final Long livenessMs)
    {
        if (null == env.aeronJar || !Files.isRegularFile(env.aeronJar))
        {
            throw new IllegalStateException("no aeron-all jar (" + env.aeronJar + "): build with run.sh");
        }
        final Path dir = Paths.get("/dev/shm", "zerocp-bench-aeron-" + label + "-" + ProcessHandle.current().pid() +
            "-" + System.nanoTime());
        final long start = System.nanoTime();
        final JavaProcess process = JavaProcess.start(env.logDir, "aeron-" + label, command(env, AeronDriver.class,
            List.of(dir.toString(), null == livenessMs ? "default" : Long.toString(livenessMs))));
        return new AeronProcess(dir, process, start);
    }

    /** Starts a driver and waits until it is ready. */
    static AeronProcess startReady(final Suite.Env env, final String label, final Long livenessMs)
    {
        final AeronProcess driver = start(env, label, livenessMs);
        if (driver.awaitReady(30_000) < 0)
        {
            final String tail = driver.process.logTail();
            driver.close();
            throw new IllegalStateException("Aeron driver " + label + " not ready in 30 s:\n" + tail);
        }
        return driver;
    }

    /** The command line of an Aeron-side {@code main}. */
    static List<String> command(final Suite.Env env, final Class<?> main, final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(JavaProcess.javaExecutable());
        command.addAll(JavaProcess.agronaFlags()); // the Agrona inside aeron-all needs the same export
        command.add("-cp");
        command.add(Paths.get(main.getProtectionDomain().getCodeSource().getLocation().getPath()) + ":" +
            env.aeronJar);
        command.add(main.getName());
        command.addAll(args);
        return command;
    }

    /**
     * Polls the driver's {@code cnc.dat} until its version field is set, which the driver does last, once the file
     * is complete and clients may connect (no request is answered, unlike zerocpd's first PONG).
     *
     * @return nanoTime at which it was seen ready, or -1 on timeout or exit.
     */
    long awaitReady(final long timeoutMs)
    {
        final Path cnc = dir.resolve("cnc.dat");
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        final ByteBuffer version = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        while (System.nanoTime() < deadline && process.process.isAlive())
        {
            if (Files.exists(cnc))
            {
                try (RandomAccessFile file = new RandomAccessFile(cnc.toFile(), "r"))
                {
                    version.clear();
                    if (file.getChannel().read(version, 0) == 4 && version.getInt(0) != 0)
                    {
                        return System.nanoTime();
                    }
                }
                catch (final IOException notYet)
                {
                    // being created
                }
            }
            LockSupport.parkNanos(200_000);
        }
        return -1;
    }

    long rssKiB()
    {
        return DaemonProcess.rssKiB(process.pid());
    }

    @Override
    public void close()
    {
        process.close(); // SIGTERM: the driver closes and deletes its directory
        BenchDirs.deleteTree(dir);
    }
}
