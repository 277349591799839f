package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The serving side of {@code zerocpd --replace}: a private stream socket, {@code <state-dir>/handover.sock}, on which
 * a successor asks for the datagram socket. Only a peer of this daemon's own uid (checked with the kernel's peer
 * credentials, beside the state directory's 0700) may ask: whoever gets the descriptor reads every client's
 * requests and answers them as the daemon. The exchange, one line each way:
 * <pre>
 *   successor: HANDOVER          this daemon: pauses (see {@link HandoverPause}), then READY + the descriptor
 *   successor: CONFIRM           this daemon: BYE, and ends without reading again
 * </pre>
 * Anything else, a closed connection or no {@code CONFIRM} within {@link #CONFIRM_TIMEOUT_MS} takes the socket back.
 */
final class HandoverServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HandoverServer.class);
    static final String FILE_NAME = "handover.sock";
    /** How long the successor has, from READY, to restore the state and confirm. */
    static final long CONFIRM_TIMEOUT_MS = Long.getLong("zerocp.handover.timeoutMs", 5_000);
    private static final int REQUEST_TIMEOUT_MS = 2_000;
    private static final int MAX_LINE = 128;

    private final Path path;
    private final AFUNIXServerSocket server;
    private final Supplier<HandoverPause> pauser;
    private final Transport transport;
    private final int uid;
    private final Thread thread;
    private volatile boolean closed;

    private HandoverServer(final Path path, final AFUNIXServerSocket server, final Supplier<HandoverPause> pauser,
        final Transport transport, final int uid)
    {
        this.path = path;
        this.server = server;
        this.pauser = pauser;
        this.transport = transport;
        this.uid = uid;
        this.thread = new Thread(this::acceptLoop, "zerocpd-handover");
        this.thread.setDaemon(true);
    }

    /**
     * Binds the control socket (replacing a stale one: the caller holds the state directory's lock) and starts
     * answering on a thread of its own.
     *
     * @param pauser asks the conductor to pause and returns the pause (called on the handover thread).
     */
    static HandoverServer start(final Path stateDir, final Supplier<HandoverPause> pauser, final Transport transport)
        throws IOException
    {
        final Path path = stateDir.resolve(FILE_NAME).toAbsolutePath();
        SocketFiles.removeStale(path);
        final AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
        try
        {
            server.setDeleteOnClose(false); // a successor binds the same path while this one closes
            server.bind(AFUNIXSocketAddress.of(path));
            Files.setPosixFilePermissions(path, FileModes.parse("0600"));
            final HandoverServer handover = new HandoverServer(path, server, pauser, transport, ownUid());
            handover.thread.start();
            return handover;
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(server);
            Files.deleteIfExists(path);
            throw ex;
        }
    }

    static int ownUid() throws IOException
    {
        return (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            try (AFUNIXSocket peer = server.accept())
            {
                serve(peer);
            }
            catch (final IOException | RuntimeException ex)
            {
                if (!closed)
                {
                    LOG.warn("handover: {}", ex.toString());
                }
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    private void serve(final AFUNIXSocket peer) throws IOException, InterruptedException
    {
        final long peerUid = peer.getPeerCredentials().getUid();
        final long peerPid = peer.getPeerCredentials().getPid();
        final OutputStream out = peer.getOutputStream();
        if (peerUid != uid)
        {
            LOG.warn("handover: refused pid {} of uid {}: only uid {} may replace this daemon", peerPid, peerUid, uid);
            write(out, "ERROR: only uid " + uid + " may replace this daemon");
            return;
        }
        peer.setSoTimeout(REQUEST_TIMEOUT_MS);
        final InputStream in = peer.getInputStream();
        final String request = readLine(in);
        if (!"HANDOVER".equals(request))
        {
            write(out, "ERROR: expected HANDOVER");
            return;
        }
        final long startNs = System.nanoTime();
        final HandoverPause pause = pauser.get();
        try
        {
            if (!pause.awaitPaused(REQUEST_TIMEOUT_MS))
            {
                write(out, "ERROR: the daemon is stopping");
                return;
            }
            peer.setOutboundFileDescriptors(FileDescriptorCast.unsafeUsing(transport.socketDescriptor())
                .getFileDescriptor());
            write(out, "READY");
            peer.setOutboundFileDescriptors();
            LOG.info("handover: paused and passed the socket to pid {}; waiting up to {} ms for it to confirm",
                peerPid, CONFIRM_TIMEOUT_MS);
            peer.setSoTimeout((int)CONFIRM_TIMEOUT_MS);
            final String confirm = readLine(in);
            if ("CONFIRM".equals(confirm) && pause.decideHandOver())
            {
                try
                {
                    write(out, "BYE");
                }
                finally
                {
                    pause.handOver(); // from here on the successor reads; this process never will again
                }
                LOG.info("handover: pid {} serves the socket now ({} ms paused); exiting",
                    peerPid, (System.nanoTime() - startNs) / 1_000_000);
                closed = true;
                return;
            }
            LOG.warn("handover: pid {} did not confirm ({}); taking the socket back", peerPid,
                null == confirm ? "it closed the connection" : "it said '" + confirm + "'");
        }
        catch (final SocketTimeoutException ex)
        {
            LOG.warn("handover: pid {} did not confirm within {} ms; taking the socket back", peerPid,
                CONFIRM_TIMEOUT_MS);
        }
        catch (final IOException ex)
        {
            LOG.warn("handover: {} with pid {}; taking the socket back", ex.toString(), peerPid);
        }
        finally
        {
            pause.takeBack(); // nothing once handed over
        }
    }

    static void write(final OutputStream out, final String line) throws IOException
    {
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** @return the next line without its newline, or null at the end of the stream. */
    static String readLine(final InputStream in) throws IOException
    {
        final StringBuilder line = new StringBuilder();
        while (true)
        {
            final int b = in.read();
            if (b < 0)
            {
                return line.length() == 0 ? null : line.toString();
            }
            if (b == '\n')
            {
                return line.toString();
            }
            if (line.length() >= MAX_LINE)
            {
                throw new IOException("handover line too long");
            }
            line.append((char)b);
        }
    }

    /**
     * Stops answering. {@code removeFile} is false after a handover: the path is the successor's to bind then.
     * Safe twice.
     */
    void close(final boolean removeFile)
    {
        closed = true;
        CloseHelper.quietClose(server);
        if (removeFile)
        {
            try
            {
                Files.deleteIfExists(path);
            }
            catch (final IOException ex)
            {
                LOG.warn("cannot remove {}: {}", path, ex.toString());
            }
        }
    }

    @Override
    public void close()
    {
        close(true);
    }
}
