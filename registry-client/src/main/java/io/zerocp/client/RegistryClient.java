package io.zerocp.client;

import io.zerocp.api.Protocol;
import io.zerocp.api.RegionNames;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;


/**
 * A connection to zerocpd: asks for regions by name and maps them.
 * <pre>{@code
 * try (RegistryClient client = RegistryClient.builder().build();
 *      SharedRegion region = client.acquire("video_frames", 8 << 20))
 * {
 *     region.buffer().putLongVolatile(0, 42);
 * }
 * }</pre>
 * By default the client registers a lease with its pid, renews it in the background at a third of the TTL the
 * daemon grants, and re-registers (re-authenticating and re-taking its holds) by itself when the lease lapsed or the
 * daemon restarted without its state. Requests retry with backoff until the timeout, so a daemon restart shows up as
 * a pause, not an error. Closing the client releases every hold.
 * <p>
 * Replies and the files they name are checked before anything is mapped: see {@link Builder#shmDirectory} and
 * {@link Builder#daemonUid}.
 * <p>
 * Thread-safe: requests from several threads are serialized over the one socket, and each gives up when its own
 * timeout is up, however many others are queued before it. Interrupting a thread that waits for the daemon ends its
 * call with {@link RegistryInterruptedException} (interrupt status kept) and nothing else: the socket, the lease and
 * other threads' calls go on (see docs/client.md, "What the client protects you from").
 * <p>
 * One exception type per cause: {@link ClientClosedException} (this client was closed),
 * {@link RegistryInterruptedException}, {@link RegistryUnavailableException} (no daemon answered in time),
 * {@link RegionLostException} (the daemon no longer holds a region for this client), and {@link RegistryException}
 * with {@link RegistryException#error()} for the daemon's {@code ERROR:} replies.
 */
public final class RegistryClient implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);

    private final ClientSettings settings;
    private final DatagramConnection connection;
    private final String localName;
    private final HoldTable holds = new HoldTable();
    private final Acquisitions acquisitions;
    private final LeaseKeeper lease;
    /** Whether a region was asked for: an unregistered client's close then releases (see close()). */
    private volatile boolean askedForRegions;
    private volatile boolean closed;

    private RegistryClient(final ClientSettings settings) throws IOException
    {
        this.settings = settings;
        final AFUNIXSocketAddress bindAddress;
        if (null != settings.bindPath)
        {
            bindAddress = AFUNIXSocketAddress.of(settings.bindPath);
            localName = settings.bindPath.toString();
        }
        else
        {
            // Abstract names vanish with the socket: nothing to clean up even after kill -9.
            localName = LocalAddress.uniqueAbstractName();
            bindAddress = AFUNIXSocketAddress.inAbstractNamespace(localName);
        }
        connection = new DatagramConnection(settings.socketPath, bindAddress, settings.bindPath, settings.daemonUid);
        lease = settings.register ? new LeaseKeeper(settings, connection, holds, localName) : null;
        acquisitions = new Acquisitions(this, settings, connection, holds, lease, this::exchange);
    }

    /** @return a builder with the seed's defaults (socket {@code /tmp/shm_daemon.sock}, or {@code $ZEROCP_SOCKET}). */
    public static Builder builder()
    {
        return new Builder();
    }

    private void start()
    {
        final long deadline = System.nanoTime() + settings.timeoutNs;
        if (null != lease)
        {
            lease.register(deadline);
        }
        else if (null != settings.token)
        {
            LeaseKeeper.authenticate(connection, settings, deadline);
        }
    }

    /** @return the address this client is bound to (an abstract name unless a path was given). */
    public String localAddress()
    {
        return localName;
    }

    /** @return the lease length the daemon granted, or 0 when not registered. */
    public long leaseMs()
    {
        return null == lease ? 0 : lease.leaseMs();
    }

    /**
     * Sends one request as is and returns the reply as is ({@code ERROR:} replies included), retrying until the
     * timeout. For tools; programs use the typed methods.
     */
    public String request(final String request)
    {
        return exchange(request, Replies::isAny);
    }

    /** @throws RegistryException unless the daemon answers {@code PONG}. */
    public void ping()
    {
        Replies.expect(exchange("PING", Replies::isPongOrError), "PING");
    }

    /** @return the default region's path (the seed's {@code GET_SHM_PATH}). */
    public Path shmPath()
    {
        return Paths.get(Replies.expect(exchange("GET_SHM_PATH", Replies::isPathOrError), "GET_SHM_PATH"));
    }

    /**
     * @return the region's path, creating it with the default size on first use. A registered client holds it
     * until {@link #close()}; the path can be cached.
     */
    public Path shmPath(final String name)
    {
        return shmPath(name, 0);
    }

    /**
     * @param size the size to create it with; 0 for the daemon's default (an existing region of another size is an
     *             error).
     */
    public Path shmPath(final String name, final long size)
    {
        checkName(name);
        checkOpen();
        return acquisitions.path(name, size);
    }

    /** @return the size of the default region. */
    public long shmSize()
    {
        return Replies.size(Replies.expect(exchange("GET_SHM_SIZE", Replies::isNumberOrError), "GET_SHM_SIZE"),
            "GET_SHM_SIZE");
    }

    /** @return the size of an existing region. @throws RegistryException with NO_SUCH_REGION when there is none. */
    public long shmSize(final String name)
    {
        checkName(name);
        final String request = "GET_SHM_SIZE:" + name;
        return Replies.size(Replies.expect(exchange(request, Replies::isNumberOrError), request), request);
    }

    /**
     * Maps a region read-write, creating it with the daemon's default size on first use.
     *
     * @throws RegistryException when the region holds a typed layout (a ring, broadcast buffer or frame pool): open
     *                           it with its typed class, {@link #acquireReadOnly} to look, or {@link #acquireRaw}.
     */
    public SharedRegion acquire(final String name)
    {
        return TypedRegionFiles.refuseTyped(acquire(name, 0, false));
    }

    /**
     * Maps a region read-write, creating it with {@code size} bytes on first use.
     *
     * @throws RegistryException when the region holds a typed layout, as {@link #acquire(String)}.
     */
    public SharedRegion acquire(final String name, final long size)
    {
        return TypedRegionFiles.refuseTyped(acquire(name, size, false));
    }

    /**
     * Maps a region read-write whatever it holds, typed layouts included, creating it with {@code size} bytes (0: the
     * daemon's default) on first use: for the typed-region classes and tools that know the layout. Writing into a
     * typed region behind its classes' back breaks it for every process that uses it.
     */
    public SharedRegion acquireRaw(final String name, final long size)
    {
        return acquire(name, size, false);
    }

    /**
     * Maps an existing or new region read-only. With {@link TransferMode#FD} the daemon passes a read-only
     * descriptor, so this process could not map it writable even if it tried.
     */
    public SharedRegion acquireReadOnly(final String name)
    {
        return acquire(name, 0, true);
    }

    private SharedRegion acquire(final String name, final long size, final boolean readOnly)
    {
        checkName(name);
        checkOpen();
        return acquisitions.acquire(name, size, readOnly);
    }

    /**
     * Called by {@link SharedRegion#close()}: the last open region of a name releases the hold. A release that does
     * not get through within a second stays owed and the lease thread sends it again until the daemon confirms it.
     */
    void onRegionClosed(final HoldTable.Hold hold)
    {
        if (!closed)
        {
            acquisitions.closed(hold);
        }
    }

    /** For {@link SharedRegion#verify()}. */
    void verify(final SharedRegion region, final HoldTable.Hold hold)
    {
        checkOpen();
        acquisitions.verify(region.name(), hold);
    }

    /** One request within the timeout; a lapsed lease is recovered (within the same deadline) and the request resent. */
    String exchange(final String request, final Predicate<String> plausible)
    {
        checkOpen();
        if (request.startsWith("GET_SHM_PATH") || request.startsWith("GET_SHM_FD"))
        {
            askedForRegions = true;
        }
        final long deadline = System.nanoTime() + settings.timeoutNs;
        final long generation = null == lease ? 0 : lease.generation();
        String reply = connection.exchangeBy(request, plausible, deadline, settings.timeoutNs, settings.retries);
        if (null != lease && lease.lapsed(reply))
        {
            final FileDescriptor unused = connection.takeDescriptor();
            if (null != unused)
            {
                DatagramConnection.closeDescriptor(unused);
            }
            if (lease.recover(generation, deadline))
            {
                reply = connection.exchangeBy(request, plausible, deadline, settings.timeoutNs, settings.retries);
            }
        }
        return reply;
    }

    private static void checkName(final String name)
    {
        if (!RegionNames.isValid(name))
        {
            throw new IllegalArgumentException("invalid region name '" + name +
                "': names match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new ClientClosedException("the client is closed");
        }
    }

    /**
     * Releases every hold and the lease (bare {@code RELEASE}), then closes the socket. Regions still open stay
     * mapped until closed. Safe to call twice.
     */
    @Override
    public void close()
    {
        synchronized (holds)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        if (null != lease)
        {
            lease.close();
        }
        else if (askedForRegions)
        {
            // Unregistered, yet on a daemon with kernel credentials whatever this process asked for is held while it
            // lives: a bare RELEASE gives it back now (elsewhere it is a harmless OK).
            try
            {
                final long timeoutNs = LeaseKeeper.shortTimeoutNs(settings);
                connection.exchangeBy("RELEASE", Replies::isOkOrError, System.nanoTime() + timeoutNs, timeoutNs, 2,
                    false);
            }
            catch (final RegistryException ex)
            {
                LOG.debug("no answer to RELEASE on close: {}", ex.getMessage());
            }
        }
        holds.clear();
        connection.close();
    }

    /**
     * Settings of a {@link RegistryClient}.
     */
    public static final class Builder
    {
        Path socketPath = Paths.get(null != System.getenv("ZEROCP_SOCKET") ?
            System.getenv("ZEROCP_SOCKET") : Protocol.DEFAULT_SOCKET_PATH);
        Path bindPath;
        long timeoutNs = TimeUnit.SECONDS.toNanos(5);
        int retries = Integer.MAX_VALUE;
        boolean register = true;
        String token;
        TransferMode transferMode = TransferMode.PATH;
        Path shmDirectory = Paths.get(null != System.getenv("ZEROCP_SHM_DIR") ?
            System.getenv("ZEROCP_SHM_DIR") : Protocol.DEFAULT_SHM_DIR);
        int daemonUid = ClientSettings.SOCKET_OWNER;
        RegionLostHandler regionLostHandler;

        private Builder()
        {
        }

        /**
         * The directory zerocpd keeps region files in, or one above it (default {@code /dev/shm}, or
         * {@code $ZEROCP_SHM_DIR}): the client maps no file that does not lie inside it, whatever a reply says.
         */
        public Builder shmDirectory(final Path directory)
        {
            this.shmDirectory = directory;
            return this;
        }

        /**
         * The uid zerocpd runs as. Replies from a socket file owned by another uid are refused, and so are region
         * files owned by another uid. Default: the owner of the socket file (which checks region files but cannot
         * tell a process that bound the daemon's path while the daemon was down).
         */
        public Builder daemonUid(final int uid)
        {
            if (uid < 0)
            {
                throw new IllegalArgumentException("uid must be >= 0: " + uid);
            }
            this.daemonUid = uid;
            return this;
        }

        /**
         * Told, on the client's lease thread, when the daemon no longer holds a region for this client (deleted,
         * lapsed and re-made, daemon state lost); see {@link RegionLostHandler}. Default: none (the loss is logged at
         * ERROR and {@link SharedRegion#isValid()} turns false all the same). Needs a registered client.
         */
        public Builder regionLostHandler(final RegionLostHandler handler)
        {
            this.regionLostHandler = handler;
            return this;
        }

        /** The daemon's socket. */
        public Builder socketPath(final Path path)
        {
            this.socketPath = path;
            return this;
        }

        /**
         * Bind to this path instead of a unique abstract name (the file is removed on close; it must not exist).
         */
        public Builder bindPath(final Path path)
        {
            this.bindPath = path;
            return this;
        }

        /** How long a request may take, retries included, before {@link RegistryUnavailableException}. */
        public Builder timeout(final Duration timeout)
        {
            this.timeoutNs = timeout.toNanos();
            return this;
        }

        /** How many times a request is resent at most within the timeout (default: as often as fits). */
        public Builder retries(final int retries)
        {
            this.retries = retries;
            return this;
        }

        /**
         * Whether to hold a lease (default true). Without one, regions this client creates are never reaped and
         * nothing it acquires is counted as held.
         */
        public Builder register(final boolean register)
        {
            this.register = register;
            return this;
        }

        /** The token to authenticate with ({@code AUTH:token=...}) when the daemon requires one. */
        public Builder token(final String token)
        {
            this.token = token;
            return this;
        }

        /** How regions are handed over: path (default) or file descriptor. */
        public Builder transferMode(final TransferMode mode)
        {
            this.transferMode = mode;
            return this;
        }

        /**
         * Binds the socket and, by default, authenticates and registers. The client keeps a copy of the settings:
         * changing this builder afterwards does not change it.
         *
         * @throws RegistryUnavailableException when no daemon answers within the timeout.
         * @throws RegistryException            when the daemon refuses the token or the registration.
         */
        public RegistryClient build()
        {
            final RegistryClient client;
            try
            {
                client = new RegistryClient(new ClientSettings(socketPath, bindPath, timeoutNs, retries, register,
                    token, transferMode, shmDirectory, daemonUid, regionLostHandler));
            }
            catch (final IOException ex)
            {
                throw new RegistryException("cannot bind client socket: " + ex.getMessage(), ex);
            }
            try
            {
                client.start();
            }
            catch (final RuntimeException ex)
            {
                client.close();
                throw ex;
            }
            return client;
        }
    }
}
