package io.zerocp.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a non-Java program (python3, gcc, a compiled C client) for tests that speak the protocol from outside the JVM.
 */
public final class ExternalCommand
{
    private ExternalCommand()
    {
    }

    /** Runs the command to completion (60 s at most), asserts exit status 0, and returns its output lines. */
    public static List<String> run(final List<String> command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), () -> command.get(0) + " did not finish");
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), output);
            return output.lines().toList();
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    /** @return whether the command exists here and exits 0 (for {@code Assumptions}). */
    public static boolean works(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
