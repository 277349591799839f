package io.zerocp.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Binds the daemon's {@link Transport}. The native one is compiled only by a JDK 22+ build (the {@code java22}
 * source root) and so is reached by name: on JDK 17 its classes are never loaded.
 */
final class Transports
{
    private static final Logger LOG = LoggerFactory.getLogger(Transports.class);
    private static final String NATIVE_CLASS = "io.zerocp.daemon.NativeTransport";

    private Transports()
    {
    }

    static Transport bind(final TransportKind kind, final Path socket, final Set<PosixFilePermission> mode)
        throws IOException
    {
        return open(kind, socket, mode, -1);
    }

    /**
     * @param inheritedFd a socket passed by a supervisor (socket activation) to serve instead of binding one, or -1.
     */
    static Transport open(
        final TransportKind kind, final Path socket, final Set<PosixFilePermission> mode, final int inheritedFd)
        throws IOException
    {
        if (kind != TransportKind.JUNIXSOCKET)
        {
            final String unavailable = nativeUnavailable();
            if (null == unavailable)
            {
                return openNative(socket, mode, inheritedFd);
            }
            if (kind == TransportKind.NATIVE)
            {
                throw new IOException("--transport native is not available: " + unavailable);
            }
            LOG.warn("transport junixsocket ({}): clients are told apart by socket address only, with no " +
                "kernel-checked pid or uid; abstract names are trimmed of trailing NULs; an empty datagram gets " +
                "no reply; crash cleanup relies on the pid a client claims (docs/security.md). Run on JDK 22+ " +
                "for the native transport.", unavailable);
        }
        return inheritedFd >= 0 ? DatagramTransport.adopt(inheritedFd, socket, mode) :
            DatagramTransport.bind(socket, mode);
    }

    /** @return why the native transport cannot be used here, or {@code null} when it can. */
    static String nativeUnavailable()
    {
        final int feature = Runtime.version().feature();
        if (feature < 22)
        {
            return "JDK " + feature + " has no foreign-function API (needs 22+)";
        }
        try
        {
            Class.forName(NATIVE_CLASS, false, Transports.class.getClassLoader());
        }
        catch (final ClassNotFoundException ex)
        {
            return "this build has no native transport (it was built on a JDK before 22: rebuild on 22+)";
        }
        return null;
    }

    private static Transport openNative(final Path socket, final Set<PosixFilePermission> mode, final int inheritedFd)
        throws IOException
    {
        final MethodHandle bind;
        try
        {
            bind = MethodHandles.lookup().findStatic(Class.forName(NATIVE_CLASS), "open",
                MethodType.methodType(Transport.class, Path.class, Set.class, int.class));
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("native transport present but unusable", ex);
        }
        try
        {
            return (Transport)bind.invoke(socket, mode, inheritedFd);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
    }
}
