package io.zerocp.daemon;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conductor's receive errors: a closed socket stops the daemon with one line (it once logged 1,663 WARN lines of
 * ClosedChannelException in 0.3 s), a recoverable error backs off and is logged once per burst.
 */
class ReceiveFailuresTest
{
    private final List<String> warnings = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final ReceiveFailures failures = new ReceiveFailures(warnings::add, errors::add);

    @Test
    void aClosedSocketStopsTheDaemonWithOneLine()
    {
        assertTrue(failures.failed(new ClosedChannelException(), true));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("stopping"), errors.get(0));
        assertTrue(failures.failed(new AsynchronousCloseException(), true), "a close from another thread too");
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void aClosedSocketDuringAStopIsQuiet()
    {
        assertTrue(failures.failed(new ClosedChannelException(), false));
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void aBurstOfRecoverableFailuresBacksOffAndIsLoggedOnce() throws IOException
    {
        long previous = 0;
        for (int i = 0; i < 1_000; i++)
        {
            assertFalse(failures.failed(new SocketException("Connection reset"), true));
            assertTrue(failures.backoffNs() >= previous, "the pause never shrinks within a burst");
            previous = failures.backoffNs();
        }
        assertEquals(ReceiveFailures.MAX_BACKOFF_NS, failures.backoffNs());
        assertEquals(1, warnings.size(), warnings.toString());
        failures.received();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(1).contains("999 more time(s)"), warnings.get(1));
        assertEquals(0, failures.backoffNs());

        failures.received(); // nothing more to say
        assertFalse(failures.failed(new SocketException("again"), true));
        assertEquals(ReceiveFailures.FIRST_BACKOFF_NS, failures.backoffNs(), "a new burst starts small");
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(errors.isEmpty(), errors.toString());
    }
}
