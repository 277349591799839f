package io.zerocp.daemon;

import org.agrona.CloseHelper;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The successor's side of {@code zerocpd --replace} (the other side: {@link HandoverServer}): asks the serving
 * daemon for its socket, and once this process is ready to serve, confirms; from the daemon's {@code BYE} on, this
 * process is the only reader. Closing without confirming hands the socket back.
 */
final class Replacement implements AutoCloseable
{
    /**
     * The control connection of the handover this process took the socket from, kept open (and reachable) for the
     * life of the process: junixsocket closes the descriptors a socket received when that socket closes.
     */
    private static volatile AFUNIXSocket keptOpen;

    private final AFUNIXSocket control;
    private final int socketFd;
    private final long peerPid;

    private Replacement(final AFUNIXSocket control, final int socketFd, final long peerPid)
    {
        this.control = control;
        this.socketFd = socketFd;
        this.peerPid = peerPid;
    }

    /**
     * Asks the daemon whose state directory is {@code stateDir} for its socket; returns once it has paused and
     * passed it (its locks are free then).
     *
     * @throws IOException with a message for the operator when there is no daemon to replace or it refused.
     */
    static Replacement request(final Path stateDir) throws IOException
    {
        final Path path = stateDir.resolve(HandoverServer.FILE_NAME).toAbsolutePath();
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS))
        {
            throw new IOException("--replace: no daemon to replace: " + path + " does not exist (is a zerocpd " +
                "with --state-dir " + stateDir + " running?)");
        }
        final AFUNIXSocket control;
        try
        {
            control = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
        }
        catch (final IOException ex)
        {
            throw new IOException("--replace: no daemon to replace answers on " + path + ": " + ex.getMessage(), ex);
        }
        try
        {
            final long peerUid = control.getPeerCredentials().getUid();
            final long ownUid = HandoverServer.ownUid();
            if (peerUid != ownUid)
            {
                throw new IOException("--replace: " + path + " is served by uid " + peerUid + ", not by this uid (" +
                    ownUid + "): refusing its socket");
            }
            control.setSoTimeout((int)HandoverServer.CONFIRM_TIMEOUT_MS);
            control.setAncillaryReceiveBufferSize(1024); // without it, passed descriptors are dropped
            HandoverServer.write(control.getOutputStream(), "HANDOVER");
            final String answer = HandoverServer.readLine(control.getInputStream());
            if (!"READY".equals(answer))
            {
                throw new IOException("--replace: the running daemon " + (null == answer ? "closed the connection" :
                    "answered: " + answer));
            }
            final FileDescriptor[] received = control.getReceivedFileDescriptors();
            if (null == received || received.length != 1)
            {
                throw new IOException("--replace: the running daemon passed " +
                    (null == received ? 0 : received.length) + " descriptors, not 1");
            }
            final int fd = FileDescriptorCast.using(received[0]).as(Integer.class);
            return new Replacement(control, fd, control.getPeerCredentials().getPid());
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(control);
            throw ex;
        }
    }

    /**
     * Loads and initializes, before the predecessor pauses, the classes the start after the pause runs through
     * (restore, transport, conductor): a cold JVM would otherwise spend its class loading inside the pause.
     */
    static void warmUp()
    {
        final String[] names = {
            "io.zerocp.daemon.NativeTransport", "io.zerocp.daemon.Syscalls", "io.zerocp.daemon.DatagramTransport",
            "io.zerocp.daemon.DaemonCore", "io.zerocp.daemon.StateJournal", "io.zerocp.daemon.JournalFile",
            "io.zerocp.daemon.JournalCodec", "io.zerocp.daemon.JournalRestore", "io.zerocp.daemon.JournalReplay",
            "io.zerocp.daemon.Registry", "io.zerocp.daemon.LeaseTable", "io.zerocp.daemon.SessionBook",
            "io.zerocp.daemon.RegionTable", "io.zerocp.daemon.RegionFiles", "io.zerocp.daemon.Region",
            "io.zerocp.daemon.ProcessWatcher", "io.zerocp.daemon.RequestHandler", "io.zerocp.daemon.AdminRequests",
            "io.zerocp.daemon.AccessPolicy", "io.zerocp.daemon.Conductor", "io.zerocp.daemon.ReplyBuffer",
            "io.zerocp.daemon.ClientAddress", "io.zerocp.daemon.HandoverServer", "io.zerocp.daemon.DaemonShutdown",
            "io.zerocp.daemon.HandoverPause", "io.zerocp.daemon.UntrackedRegionFiles", "io.zerocp.api.RequestParser",
            "org.newsclub.net.unix.AFUNIXDatagramChannel", "org.newsclub.net.unix.AFUNIXServerSocket",
            "io.zerocp.daemon.DaemonLocks", "io.zerocp.daemon.InstanceLock", "io.zerocp.daemon.TokenQuotas",
            "io.zerocp.daemon.RegionReaper", "io.zerocp.daemon.RegionDescriptors", "io.zerocp.daemon.SessionBook",
            "io.zerocp.daemon.DurableState", "io.zerocp.daemon.ZeroFill", "io.zerocp.daemon.ProcfsProcessProbe"};
        for (final String name : names)
        {
            try
            {
                Class.forName(name, true, Replacement.class.getClassLoader());
            }
            catch (final ClassNotFoundException | LinkageError ex)
            {
                // absent (the native transport on JDK 17) or not loadable here: the start loads what it needs
            }
        }
    }

    /** @return the passed socket's descriptor, to adopt as a supervisor's (socket activation). */
    int socketFd()
    {
        return socketFd;
    }

    long predecessorPid()
    {
        return peerPid;
    }

    /**
     * Tells the daemon this process is ready; after it returns, the daemon reads no more and this one must serve.
     *
     * @throws IOException when the daemon took its socket back (it gave up waiting) or is gone: do not serve.
     */
    void confirm() throws IOException
    {
        HandoverServer.write(control.getOutputStream(), "CONFIRM");
        final String answer = HandoverServer.readLine(control.getInputStream());
        if (!"BYE".equals(answer))
        {
            throw new IOException("--replace: the running daemon took its socket back (" +
                (null == answer ? "connection closed" : answer) + ")");
        }
        keptOpen = control; // closing it would close the socket this process now serves
    }

    /** Before a confirmation: hands the socket back. After one: nothing (the connection stays, see above). */
    @Override
    public void close()
    {
        if (keptOpen != control)
        {
            CloseHelper.quietClose(control);
        }
    }
}
