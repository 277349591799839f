package io.zerocp.client;

import io.zerocp.daemon.Zerocpd;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code zerocpd} in its own JVM ({@link Zerocpd} main, as {@code bin/zerocpd} runs it) on the socket and shm
 * dir of a {@link TestDirs}, so tests can {@code kill -9} it, signal it and start another on the same state.
 */
final class DaemonProcess implements AutoCloseable
{
    private final ChildJvm jvm;
    private final Path socket;

    private DaemonProcess(final ChildJvm jvm, final Path socket)
    {
        this.jvm = jvm;
        this.socket = socket;
    }

    /** Starts a daemon; does not wait for it (see {@link #awaitReady()}). */
    static DaemonProcess start(final TestDirs dirs, final String... extraArgs)
    {
        return start(dirs.socket(), dirs.shmDir(), extraArgs);
    }

    static DaemonProcess start(final Path socket, final Path shmDir, final String... extraArgs)
    {
        final List<String> args = new ArrayList<>(List.of("--socket", socket.toString(), "--shm-dir",
            shmDir.toString(), "--lease-ttl-ms", "5000"));
        args.addAll(Arrays.asList(extraArgs));
        return new DaemonProcess(ChildJvm.start(Zerocpd.class, args.toArray(new String[0])), socket);
    }

    /** Waits until the daemon answers PING (or fails the test with its output if it died first). */
    DaemonProcess awaitReady()
    {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() ->
        {
            if (!jvm.process().isAlive())
            {
                throw new AssertionError("zerocpd exited with " + jvm.process().exitValue() + ":\n" + output());
            }
            return answersPing(socket);
        });
        return this;
    }

    static boolean answersPing(final Path socket)
    {
        if (!Files.exists(socket))
        {
            return false;
        }
        try (RawClient client = new RawClient(socket))
        {
            return "PONG".equals(client.ask("PING"));
        }
        catch (final UncheckedIOException ex)
        {
            return false; // a stale socket file nobody is bound to: connection refused
        }
    }

    long pid()
    {
        return jvm.pid();
    }

    boolean isAlive()
    {
        return jvm.process().isAlive();
    }

    void kill9()
    {
        jvm.kill9();
    }

    /** Sends SIGTERM. */
    void terminate()
    {
        jvm.process().destroy();
    }

    /** @return the exit code, or -1 if it is still running after the timeout. */
    int waitFor(final long seconds)
    {
        return jvm.waitFor(seconds, TimeUnit.SECONDS);
    }

    String output()
    {
        return jvm.output();
    }

    /** @return how many descriptors the daemon process has open. */
    long openDescriptors()
    {
        try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid()), "fd")))
        {
            return fds.count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close()
    {
        jvm.close();
    }
}
