package io.zerocp.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Why a request could not be sent, and how soon to try again. A full receive queue at the daemon ({@code EAGAIN}) is
 * back-pressure: the daemon is busy (or paused, as during a {@code --replace} handover) and will read soon, so the
 * send is tried again after 1 ms, doubling up to 16 ms. A missing socket file ({@code ENOENT}) or nobody bound to it
 * ({@code ECONNREFUSED}) means no daemon serves the socket: tried again after 10 ms, doubling up to 250 ms (a restart
 * comes back in a few hundred ms). Either way only until the call's deadline, so the number of tries is bounded by
 * the timeout over the shortest pause.
 */
final class SendRetry
{
    private static final long FIRST_FULL_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_FULL_NS = TimeUnit.MILLISECONDS.toNanos(16);
    private static final long FIRST_DOWN_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_DOWN_NS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Path socket;
    private final String request;
    private final long timeoutNs;
    private long fullPauseNs = FIRST_FULL_NS;
    private long downPauseNs = FIRST_DOWN_NS;
    private int fullTimes;
    private int downTimes;
    private boolean lastWasDown;
    private IOException lastFailure;

    SendRetry(final Path socket, final String request, final long timeoutNs)
    {
        this.socket = socket;
        this.request = request;
        this.timeoutNs = timeoutNs;
    }

    /** The daemon's receive queue was full: the datagram was not sent. */
    void queueFull()
    {
        fullTimes++;
        lastWasDown = false;
    }

    /** The send failed: no socket file, or no daemon bound to it. */
    void down(final IOException failure)
    {
        downTimes++;
        lastWasDown = true;
        lastFailure = failure;
    }

    /** @return how long to wait before the next try (and doubles the next one, up to its cap). */
    long nextPauseNs()
    {
        final long pause;
        if (lastWasDown)
        {
            pause = downPauseNs;
            downPauseNs = Math.min(downPauseNs * 2, MAX_DOWN_NS);
        }
        else
        {
            pause = fullPauseNs;
            fullPauseNs = Math.min(fullPauseNs * 2, MAX_FULL_NS);
        }
        return pause;
    }

    IOException lastFailure()
    {
        return lastFailure;
    }

    /** @return what the sends that did not go out saw, for a message about a request that got no answer. */
    String history()
    {
        return (fullTimes > 0 ? ", " + fullTimes + " time(s) the daemon's queue was full" : "") +
            (downTimes > 0 ? ", " + downTimes + " time(s) no daemon: " + lastFailure.getMessage() : "");
    }

    /** @return the exception for a call whose deadline passed while its request could not be sent. */
    RegistryUnavailableException failure()
    {
        final long ms = TimeUnit.NANOSECONDS.toMillis(timeoutNs);
        final String what = "'" + Replies.printable(request) + "'";
        if (!lastWasDown)
        {
            return new RegistryUnavailableException("zerocpd at " + socket + " took no request for " + ms +
                " ms: its receive queue stayed full (overloaded, stopped or paused for that long); " + what +
                " was never sent", null);
        }
        final String why = Files.exists(socket, LinkOption.NOFOLLOW_LINKS) ?
            "the socket file exists but no process is bound to it (connection refused): the daemon stopped or " +
                "crashed" :
            "the socket file does not exist: the daemon is not running, or --socket names another path";
        return new RegistryUnavailableException("no zerocpd serves " + socket + ": " + why + " (tried " + downTimes +
            " time(s) for " + ms + " ms; " + what + " was never sent)", lastFailure);
    }
}
