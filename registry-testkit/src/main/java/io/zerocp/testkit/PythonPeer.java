package io.zerocp.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A python3 process speaking to the daemon with the kernel's own socket calls, so it can bind any address (abstract
 * names with NULs in them, paths, none), attach descriptors, and be killed like any client. Its script sees
 * {@code daemon} (the socket path), {@code sock(addr)} (a bound datagram socket, or unbound for {@code None}) and
 * {@code ask(s, data)} (send, wait for the reply: {@code (text, source)}); its output is read line by line.
 */
public final class PythonPeer implements AutoCloseable
{
    private static final String PRELUDE = String.join("\n",
        "import array, os, signal, socket, sys, time",
        "daemon = sys.argv[1]",
        "def sock(addr):",
        "    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "    if addr is not None: s.bind(addr)",
        "    s.settimeout(10)",
        "    return s",
        "def ask(s, data):",
        "    s.sendto(data, daemon)",
        "    reply, src = s.recvfrom(65536)",
        "    return reply.decode('ascii'), src",
        "exec(sys.stdin.read())",
        "");

    private final Process process;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
    private final StringBuilder all = new StringBuilder();
    private final Thread reader;

    private PythonPeer(final Process process)
    {
        this.process = process;
        this.reader = new Thread(() ->
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
                    lines.offer(line);
                }
            }
            catch (final IOException ignored)
            {
                // the process was killed
            }
        }, "python-peer-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** @return whether python3 is there. */
    public static boolean available()
    {
        return ExternalCommand.works("python3", "-c", "import socket");
    }

    /** Starts {@code script} against the daemon at {@code socket}, as this user. */
    public static PythonPeer start(final Path socket, final String script)
    {
        return start(List.of(), socket, script);
    }

    /**
     * @param prefix a command the interpreter runs under, e.g. {@code setpriv --reuid=nobody ... --}.
     */
    public static PythonPeer start(final List<String> prefix, final Path socket, final String script)
    {
        final List<String> command = new ArrayList<>(prefix);
        // Under another user, a python3 in root's home (pyenv) is out of reach: take the system's where there is one.
        final String python = !prefix.isEmpty() && Files.isExecutable(Path.of("/usr/bin/python3")) ?
            "/usr/bin/python3" : "python3";
        command.addAll(List.of(python, "-c", PRELUDE, socket.toString()));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONUNBUFFERED", "1");
        try
        {
            final Process process = pb.start();
            process.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            return new PythonPeer(process);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Runs {@code script} to its end (60 s at most) and returns what it printed; fails if it failed. */
    public static String run(final Path socket, final String script)
    {
        try (PythonPeer peer = start(socket, script))
        {
            return peer.awaitExit(60);
        }
    }

    /** @return the next line it prints, waiting up to {@code seconds}. */
    public String readLine(final long seconds)
    {
        try
        {
            final String line = lines.poll(seconds, TimeUnit.SECONDS);
            if (null == line)
            {
                throw new AssertionError("python peer printed nothing in " + seconds + " s; output so far:\n" +
                    output());
            }
            return line;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Waits for it to end and returns everything it printed; an exit code other than 0 fails. */
    public String awaitExit(final long seconds)
    {
        try
        {
            final boolean done = process.waitFor(seconds, TimeUnit.SECONDS);
            if (!done)
            {
                process.destroyForcibly();
                throw new AssertionError("python peer still running after " + seconds + " s:\n" + output());
            }
            reader.join(5_000); // it ends at the end of the output
            if (process.exitValue() != 0)
            {
                throw new AssertionError("python peer exited " + process.exitValue() + ":\n" + output());
            }
            return output();
        }
        catch (final InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public long pid()
    {
        return process.pid();
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** {@code kill -9}, and waits until it is gone. */
    public void kill()
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

    /** @return everything it printed so far. */
    public String output()
    {
        synchronized (all)
        {
            return all.toString();
        }
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            kill();
        }
    }
}
