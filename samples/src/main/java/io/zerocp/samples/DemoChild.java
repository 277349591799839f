package io.zerocp.samples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One process of a demo pipeline: a JVM running a sample main, whose output is relayed line by line with its role
 * in front. It counts as ready when it prints its first line: every sample main prints one once its region is open
 * (the producer's comes just before its first frame), so clocks the demo keeps per role start there, not when the
 * JVM was forked.
 */
final class DemoChild
{
    private final String role;
    private final Process process;
    private final Thread relay;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile long readyNs;
    private volatile boolean killed;

    private DemoChild(final String role, final Process process)
    {
        this.role = role;
        this.process = process;
        this.relay = new Thread(this::relay, "demo-relay-" + role);
        relay.setDaemon(true);
    }

    /** Starts {@code main} in a new JVM with this JVM's class path and the flags Agrona needs. */
    static DemoChild start(final String role, final Class<?> main, final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(io.zerocp.api.RequiredJvmFlags.forThisJvm());
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        try
        {
            final DemoChild child = new DemoChild(role, new ProcessBuilder(command).redirectErrorStream(true).start());
            child.relay.start();
            return child;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start " + role + ": " + ex.getMessage(), ex);
        }
    }

    String role()
    {
        return role;
    }

    long pid()
    {
        return process.pid();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    boolean isReady()
    {
        return ready.getCount() == 0;
    }

    /** @return the {@link System#nanoTime()} of its first line; only meaningful once {@link #isReady()}. */
    long readyNs()
    {
        return readyNs;
    }

    /** @return whether it printed its first line within the wait (false also when it exited without a line). */
    boolean awaitReady(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (System.nanoTime() < deadline)
        {
            if (ready.await(50, TimeUnit.MILLISECONDS))
            {
                return true;
            }
            if (!process.isAlive())
            {
                return ready.await(1, TimeUnit.SECONDS); // its output may still be on the way
            }
        }
        return isReady();
    }

    /** {@code kill -9}, as the demo's {@code --kill} option asks. */
    void kill()
    {
        killed = true;
        process.toHandle().destroyForcibly();
    }

    boolean wasKilled()
    {
        return killed;
    }

    /** @return its exit status, or -1 while it runs. */
    int exitStatus()
    {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGTERM: the sample closes its regions and prints its totals. */
    void stop()
    {
        // Through the handle: Process.destroy() would also close our end of its output, losing its last lines.
        process.toHandle().destroy();
    }

    /** Waits for it to exit after {@link #stop()}, then SIGKILLs it if it is still there. */
    void awaitExit(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        if (!process.waitFor(timeout, unit))
        {
            process.destroyForcibly().waitFor(timeout, unit);
        }
    }

    /** Lets its last lines (its totals) through. */
    void awaitOutput(final long millis) throws InterruptedException
    {
        relay.join(millis);
    }

    private void relay()
    {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = in.readLine()))
            {
                if (!isReady())
                {
                    readyNs = System.nanoTime();
                    ready.countDown();
                }
                System.out.println(String.format("[%-10s] %s", role, line));
            }
        }
        catch (final IOException ignore)
        {
            // the child is gone
        }
    }
}
