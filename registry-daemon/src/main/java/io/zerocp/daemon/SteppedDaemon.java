package io.zerocp.daemon;


import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A zerocpd built exactly as {@link Daemon#start} builds one, but with no conductor thread: the caller runs the duty
 * cycle ({@link #doWork()}) or hands requests straight to the request handler ({@link #handle}) on its own thread.
 * The one public way in for benchmarks that measure the request path (JMH in the benchmarks module); not for
 * running a daemon.
 */
public final class SteppedDaemon implements AutoCloseable
{
    private final Daemon daemon;
    private final RequestHandler handler;
    private final ReplyBuffer reply = new ReplyBuffer();
    private boolean closed;

    private SteppedDaemon(final Daemon daemon)
    {
        this.daemon = daemon;
        this.handler = daemon.conductor().handler();
    }

    /** Builds the daemon's parts, takes its locks and binds its socket; nothing runs until the caller asks. */
    public static SteppedDaemon create(final DaemonConfig config) throws Daemon.DaemonStartException
    {
        // Region files made inline: a creation is answered in its own request, deterministically.
        return new SteppedDaemon(Daemon.create(new DaemonContext(config).fileWorkInline(true)));
    }

    public Path socketPath()
    {
        return daemon.socketPath();
    }

    /** One conductor duty cycle on the caller's thread: every pending request received, answered and replied. */
    public int doWork()
    {
        return daemon.conductor().pollAndDoWork();
    }

    /**
     * The request handler alone, no socket: what {@link #doWork()} does per datagram between receive and send.
     *
     * @return the length of the reply (kept until the next call; see {@link #lastReply()}).
     */
    public int handle(final byte[] request, final int length, final ClientAddress sender)
    {
        handler.onRequest(request, length, sender, reply.clear());
        final ByteBuffer written = reply.flip();
        final int replyLength = written.remaining();
        written.position(replyLength).limit(written.capacity()); // back to writing state, so text() still works
        return replyLength;
    }

    /** @return the reply to the last {@link #handle} call, as text (allocates: for set-up checks only). */
    public String lastReply()
    {
        return reply.text();
    }

    /** @return the reply to {@code request} from {@code sender} (allocates: for set-up only). */
    public String ask(final String request, final ClientAddress sender)
    {
        final byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        handle(bytes, bytes.length, sender);
        return lastReply();
    }

    /** Persists, removes the socket file and releases the locks, as a stopping daemon does. Safe to call twice. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final Conductor conductor = daemon.conductor();
        conductor.stop();
        conductor.run(); // stopped before it starts: runs only the conductor's shutdown (closes every resource)
    }
}
