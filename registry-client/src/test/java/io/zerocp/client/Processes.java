package io.zerocp.client;

import io.zerocp.testkit.RawClient;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Signals to child processes and what the daemon's {@code CLIENTS} says, for the tests of issue 26. */
final class Processes
{
    private static final Pattern HOLDS = Pattern.compile("\"holds\":\\s*\\[([^\\]]*)\\]");
    private static final Pattern NEXT = Pattern.compile("\"next\":\\s*(\\d+)");

    private Processes()
    {
    }

    /** Sends {@code SIG<name>} (STOP, CONT, ...) to {@code pid}. */
    static void signal(final String name, final long pid)
    {
        try
        {
            final int exit = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor();
            if (0 != exit)
            {
                throw new AssertionError("kill -" + name + " " + pid + " exited with " + exit);
            }
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** @return every hold of every session the daemon has, as {@code CLIENTS} pages list them (names, quoted). */
    static List<String> holds(final Path socket)
    {
        final List<String> holds = new ArrayList<>();
        try (RawClient admin = new RawClient(socket))
        {
            String request = "CLIENTS";
            while (null != request)
            {
                final String page = admin.ask(request);
                if (!page.startsWith("{"))
                {
                    throw new AssertionError(request + " answered " + page);
                }
                final Matcher m = HOLDS.matcher(page);
                while (m.find())
                {
                    for (final String hold : m.group(1).split(","))
                    {
                        if (!hold.isBlank())
                        {
                            holds.add(hold.trim());
                        }
                    }
                }
                final Matcher next = NEXT.matcher(page);
                request = next.find() ? "CLIENTS:offset=" + next.group(1) : null;
            }
        }
        return holds;
    }

    static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }
}
