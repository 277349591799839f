package io.zerocp.client;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;
import io.zerocp.api.RegionNames;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Thread-safe: requests from several threads are serialized over the one socket.
 */
public final class RegistryClient implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** sun_path is 108 bytes; an abstract name takes all but the leading NUL. */
    private static final int MAX_ABSTRACT_NAME_LENGTH = 107;

    private final Builder config;
    private final DatagramConnection connection;
    private final String localName;
    private final Map<String, Hold> holds = new HashMap<>();
    private final ScheduledExecutorService heartbeat;
    private final long pid = ProcessHandle.current().pid();
    private long leaseMs;
    private ScheduledFuture<?> renewal;
    private long renewalPeriodMs;
    private boolean closed;

    /** What this client holds of one region, so it can re-take it and release it when the last user closes. */
    private static final class Hold
    {
        final long size;
        final boolean readOnly;
        /** The file's identity (device and inode) when this process mapped it; null when unknown. */
        Object fileKey;
        int openRegions;

        Hold(final long size, final boolean readOnly)
        {
            this.size = size;
            this.readOnly = readOnly;
        }
    }

    private RegistryClient(final Builder config) throws IOException
    {
        this.config = config;
        final AFUNIXSocketAddress bindAddress;
        if (null != config.bindPath)
        {
            bindAddress = AFUNIXSocketAddress.of(config.bindPath);
            localName = config.bindPath.toString();
        }
        else
        {
            // Abstract names vanish with the socket: nothing to clean up even after kill -9.
            localName = abstractName(pid, INSTANCES.incrementAndGet());
            bindAddress = AFUNIXSocketAddress.inAbstractNamespace(localName);
        }
        connection = new DatagramConnection(config.socketPath, bindAddress, config.bindPath);
        if (config.register)
        {
            heartbeat = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread t = new Thread(r, "zerocp-lease-" + localName);
                t.setDaemon(true);
                return t;
            });
        }
        else
        {
            heartbeat = null;
        }
    }

    /**
     * A unique abstract name that fills sun_path. junixsocket 2.10.1 hands the daemon a shorter abstract sender name
     * padded with NULs to the full 108 bytes and encodes each NUL with {@code String.format} when it builds the
     * address object: about 60 KB of garbage and 15 µs per request (docs/benchmarks.md). A full-length name has no
     * padding; the random tail also makes the name hard to guess.
     */
    private static String abstractName(final long pid, final int instance)
    {
        final StringBuilder name = new StringBuilder("zerocp-client-").append(pid).append('-').append(instance)
            .append('-');
        while (name.length() < MAX_ABSTRACT_NAME_LENGTH)
        {
            name.append(Long.toHexString(RANDOM.nextLong() | Long.MIN_VALUE)); // always 16 digits
        }
        name.setLength(MAX_ABSTRACT_NAME_LENGTH);
        return name.toString();
    }

    /** @return a builder with the seed's defaults (socket {@code /tmp/shm_daemon.sock}, or {@code $ZEROCP_SOCKET}). */
    public static Builder builder()
    {
        return new Builder();
    }

    private void start()
    {
        if (null != config.token && !config.register)
        {
            authenticate();
        }
        if (config.register)
        {
            register();
        }
    }

    /** @return the address this client is bound to (an abstract name unless a path was given). */
    public String localAddress()
    {
        return localName;
    }

    /** @return the lease length the daemon granted, or 0 when not registered. */
    public synchronized long leaseMs()
    {
        return leaseMs;
    }

    /**
     * Sends one request as is and returns the reply as is ({@code ERROR:} replies included), retrying until the
     * timeout. For tools; programs use the typed methods.
     */
    public String request(final String request)
    {
        return exchange(request, reply -> true);
    }

    /** @throws RegistryException unless the daemon answers {@code PONG}. */
    public void ping()
    {
        expect(exchange("PING", reply -> reply.equals(Protocol.PONG) || Protocol.isError(reply)), "PING");
    }

    /** @return the default region's path (the seed's {@code GET_SHM_PATH}). */
    public Path shmPath()
    {
        return Paths.get(expect(exchange("GET_SHM_PATH", RegistryClient::isPathOrError), "GET_SHM_PATH"));
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
        final String request = "GET_SHM_PATH:" + name + (size > 0 ? ",size=" + size : "");
        final Path path = Paths.get(expect(exchange(request, pathOf(name)), request));
        synchronized (this)
        {
            if (config.register)
            {
                holds.computeIfAbsent(name, n -> new Hold(size, false));
            }
        }
        return path;
    }

    /** @return the size of the default region. */
    public long shmSize()
    {
        return Long.parseLong(expect(exchange("GET_SHM_SIZE", RegistryClient::isNumberOrError), "GET_SHM_SIZE"));
    }

    /** @return the size of an existing region. @throws RegistryException with NO_SUCH_REGION when there is none. */
    public long shmSize(final String name)
    {
        checkName(name);
        final String request = "GET_SHM_SIZE:" + name;
        return Long.parseLong(expect(exchange(request, RegistryClient::isNumberOrError), request));
    }

    /** Maps a region read-write, creating it with the daemon's default size on first use. */
    public SharedRegion acquire(final String name)
    {
        return acquire(name, 0, false);
    }

    /** Maps a region read-write, creating it with {@code size} bytes on first use. */
    public SharedRegion acquire(final String name, final long size)
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
        final boolean fd = config.transferMode == TransferMode.FD;
        final String request = requestFor(name, size, readOnly);
        final MappedByteBuffer mapping;
        final Path path;
        final long regionSize;
        Object fileKey = null;
        synchronized (this)
        {
            checkOpen();
            final String reply = expect(exchange(request, fd ? descriptorOf(name) : pathOf(name)), request);
            try
            {
                if (fd)
                {
                    final FileDescriptor descriptor = connection.takeDescriptor();
                    if (null == descriptor)
                    {
                        throw new RegistryException(null, "zerocpd answered " + request + " without a descriptor");
                    }
                    regionSize = mappable(name, Long.parseLong(reply));
                    path = null;
                    try (FileChannel channel = FileDescriptorCast.using(descriptor).as(FileChannel.class))
                    {
                        mapping = channel.map(readOnly ? FileChannel.MapMode.READ_ONLY :
                            FileChannel.MapMode.READ_WRITE, 0, regionSize);
                    }
                    finally
                    {
                        fileKey = FileIdentity.of(descriptor);
                        DatagramConnection.closeDescriptor(descriptor); // the mapping outlives the descriptor
                    }
                }
                else
                {
                    path = Paths.get(reply);
                    try (FileChannel channel = readOnly ?
                        FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS) :
                        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS))
                    {
                        regionSize = mappable(name, channel.size());
                        mapping = channel.map(readOnly ? FileChannel.MapMode.READ_ONLY :
                            FileChannel.MapMode.READ_WRITE, 0, regionSize);
                    }
                    fileKey = FileIdentity.of(path);
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                // The daemon recorded a hold for this request; give it back unless this client held the name already.
                if (config.register && !holds.containsKey(name))
                {
                    releaseQuietly(name);
                }
                if (ex instanceof RegistryException)
                {
                    throw (RegistryException)ex;
                }
                throw new RegistryException("cannot map region " + name + ": " + ex.getMessage(), ex);
            }
            if (config.register)
            {
                final Hold hold = holds.computeIfAbsent(name, n -> new Hold(regionSize, readOnly));
                hold.openRegions++;
                if (null == hold.fileKey)
                {
                    hold.fileKey = fileKey;
                }
            }
        }
        return new SharedRegion(this, name, path, regionSize, readOnly, mapping);
    }

    private String requestFor(final String name, final long size, final boolean readOnly)
    {
        final StringBuilder sb = new StringBuilder(config.transferMode == TransferMode.FD ? "GET_SHM_FD:" :
            "GET_SHM_PATH:").append(name);
        if (size > 0)
        {
            sb.append(",size=").append(size);
        }
        if (readOnly && config.transferMode == TransferMode.FD)
        {
            sb.append(",mode=ro");
        }
        return sb.toString();
    }

    /** Called by {@link SharedRegion#close()}: the last open region of a name releases the hold. */
    synchronized void onRegionClosed(final String name)
    {
        final Hold hold = holds.get(name);
        if (null == hold || closed)
        {
            return;
        }
        if (--hold.openRegions <= 0)
        {
            holds.remove(name);
            // Short and bounded: closing a region must not stall for the whole timeout while the daemon is away; if it
            // never comes back, the hold goes with the lease.
            releaseQuietly(name);
        }
    }

    /** One mapping holds at most 2 GiB (a JDK limit for {@code FileChannel.map}). */
    private static long mappable(final String name, final long size)
    {
        if (size > Integer.MAX_VALUE)
        {
            throw new RegistryException(null, "region " + name + " has " + size + " bytes; a SharedRegion maps at " +
                "most " + Integer.MAX_VALUE + " (map it in parts through its path or descriptor)");
        }
        return size;
    }

    private void releaseQuietly(final String name)
    {
        try
        {
            connection.exchange("RELEASE:" + name, RegistryClient::isOkOrError, releaseTimeoutNs(), 2);
        }
        catch (final RegistryUnavailableException ex)
        {
            LOG.warn("could not release {}: {}", name, ex.getMessage());
        }
    }

    private long releaseTimeoutNs()
    {
        return Math.min(config.timeoutNs, TimeUnit.SECONDS.toNanos(1));
    }

    private void authenticate()
    {
        expect(exchange("AUTH:token=" + config.token, RegistryClient::isOkOrError), "AUTH");
    }

    private synchronized void register()
    {
        if (null != config.token)
        {
            authenticate();
        }
        final String reply = expect(exchange("REGISTER:process_id=" + pid, RegistryClient::isLeaseOrError),
            "REGISTER");
        onLease(reply);
    }

    /**
     * Takes the lease length from a REGISTER or RENEW reply and renews at a third of it. A daemon restarted with a
     * shorter TTL would otherwise see this client's lease lapse between renewals, again and again.
     */
    private synchronized void onLease(final String reply)
    {
        leaseMs = Long.parseLong(reply.substring(Protocol.LEASE_REPLY_PREFIX.length()));
        final long period = Math.max(10, leaseMs / 3);
        if (period != renewalPeriodMs && !heartbeat.isShutdown())
        {
            if (null != renewal)
            {
                renewal.cancel(false);
            }
            renewal = heartbeat.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
            renewalPeriodMs = period;
        }
    }

    private void renew()
    {
        try
        {
            synchronized (this)
            {
                if (closed)
                {
                    return;
                }
                final String reply = exchange("RENEW", RegistryClient::isLeaseOrError);
                if (!Protocol.isError(reply))
                {
                    onLease(reply);
                }
                else
                {
                    final ErrorReply error = ErrorReply.fromReply(reply);
                    if (error == ErrorReply.NOT_REGISTERED || error == ErrorReply.UNAUTHORIZED)
                    {
                        recover();
                    }
                    else
                    {
                        LOG.warn("lease renewal refused: {}", reply);
                    }
                }
            }
        }
        catch (final RegistryException ex)
        {
            LOG.debug("lease renewal failed, will retry: {}", ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("lease renewal failed", ex);
        }
    }

    /** The lease is gone: register again and take back every hold, so the user never sees it. */
    private void recover()
    {
        LOG.info("lease of {} lapsed; registering again and re-taking {} hold(s)", localName, holds.size());
        register();
        final List<String> names = new ArrayList<>(holds.keySet());
        for (final String name : names)
        {
            final Hold hold = holds.get(name);
            final String request = requestFor(name, hold.size, hold.readOnly);
            final String reply = exchange(request, config.transferMode == TransferMode.FD ?
                descriptorOf(name) : pathOf(name));
            final FileDescriptor extra = connection.takeDescriptor();
            Object fileKey = null;
            if (null != extra)
            {
                fileKey = FileIdentity.of(extra);
                DatagramConnection.closeDescriptor(extra); // this process already has the region mapped
            }
            if (Protocol.isError(reply))
            {
                LOG.warn("could not re-take region {}: {}", name, reply);
                continue;
            }
            if (null == extra)
            {
                fileKey = FileIdentity.of(Paths.get(reply));
            }
            if (null != hold.fileKey && null != fileKey && !hold.fileKey.equals(fileKey))
            {
                // This client was the region's last holder and the daemon unlinked it while the lease was lapsed;
                // the name now stands for new memory that this process's mappings do not share.
                LOG.error("region {} was re-created after this client's lease lapsed: mappings made before no " +
                    "longer share memory with other processes; close and acquire it again", name);
                hold.fileKey = fileKey;
            }
        }
    }

    private synchronized String exchange(final String request, final Predicate<String> plausible)
    {
        checkOpen();
        String reply = connection.exchange(request, plausible, config.timeoutNs, config.retries);
        if (config.register && leaseMs > 0 && Protocol.isError(reply) && !request.startsWith("AUTH") &&
            !request.startsWith("REGISTER") && !request.startsWith("RENEW"))
        {
            final ErrorReply error = ErrorReply.fromReply(reply);
            if (error == ErrorReply.NOT_REGISTERED || (error == ErrorReply.UNAUTHORIZED && null != config.token))
            {
                recover();
                reply = connection.exchange(request, plausible, config.timeoutNs, config.retries);
            }
        }
        return reply;
    }

    private static String expect(final String reply, final String request)
    {
        if (Protocol.isError(reply))
        {
            final ErrorReply error = ErrorReply.fromReply(reply);
            final int cut = request.startsWith("AUTH") ? 4 : request.length();
            throw new RegistryException(error, "zerocpd refused " + request.substring(0, cut) + ": " + reply);
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
            throw new IllegalStateException("client is closed");
        }
    }

    /** A size reply whose descriptor is this region's file (or an error). */
    private Predicate<String> descriptorOf(final String name)
    {
        return reply -> Protocol.isError(reply) || (isNumberOrError(reply) && connection.descriptorIsRegion(name));
    }

    private static Predicate<String> pathOf(final String name)
    {
        final String suffix = "/" + Protocol.regionFileName(name);
        return reply -> reply.endsWith(suffix) || Protocol.isError(reply);
    }

    private static boolean isPathOrError(final String reply)
    {
        return reply.startsWith("/") || Protocol.isError(reply);
    }

    private static boolean isNumberOrError(final String reply)
    {
        if (Protocol.isError(reply))
        {
            return true;
        }
        if (reply.isEmpty() || reply.length() > 19)
        {
            return false;
        }
        for (int i = 0; i < reply.length(); i++)
        {
            if (reply.charAt(i) < '0' || reply.charAt(i) > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isOkOrError(final String reply)
    {
        return reply.equals(Protocol.OK) || Protocol.isError(reply);
    }

    private static boolean isLeaseOrError(final String reply)
    {
        return reply.startsWith(Protocol.LEASE_REPLY_PREFIX) || Protocol.isError(reply);
    }

    /**
     * Releases every hold and the lease (bare {@code RELEASE}), then closes the socket. Regions still open stay
     * mapped until closed. Safe to call twice.
     */
    @Override
    public void close()
    {
        if (null != heartbeat)
        {
            heartbeat.shutdownNow();
        }
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            if (config.register && leaseMs > 0)
            {
                try
                {
                    connection.exchange("RELEASE", RegistryClient::isOkOrError, releaseTimeoutNs(), 2);
                }
                catch (final RegistryException ex)
                {
                    LOG.debug("no answer to RELEASE on close: {}", ex.getMessage());
                }
            }
            closed = true;
            holds.clear();
            connection.close();
        }
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

        private Builder()
        {
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
         * Binds the socket and, by default, authenticates and registers.
         *
         * @throws RegistryUnavailableException when no daemon answers within the timeout.
         * @throws RegistryException            when the daemon refuses the token or the registration.
         */
        public RegistryClient build()
        {
            final RegistryClient client;
            try
            {
                client = new RegistryClient(this);
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
