package io.zerocp.client;

import io.zerocp.api.Protocol;
import org.newsclub.net.unix.FileDescriptorCast;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Maps the file a reply names (a path) or passes (a descriptor), treating the reply as untrusted input: the file
 * must be the requested region's file inside the daemon's shm directory, owned by the daemon's uid, and is mapped
 * at the size {@code fstat} reports. Nothing here changes a file: a descriptor reply claiming another size than its
 * file has is refused, not "fixed" by growing the file ({@code FileChannel.map} would extend a writable file).
 */
final class RegionMapper
{
    private static final String DELETED = " (deleted)";

    private final ClientSettings settings;
    private final DatagramConnection connection;

    /** One mapping and what the client keeps of it. */
    static final class Mapping
    {
        final MappedByteBuffer buffer;
        final Path path;
        final long size;
        final Object fileKey;
        /** Kept open while the region is, so {@link SharedRegion#fileSize()} can ask {@code fstat}. */
        final FileChannel channel;
        /** The received descriptor behind {@link #channel} in descriptor mode, else null. */
        final FileDescriptor descriptor;
        /** Where the file was when mapped (path mode: {@link #path}; descriptor mode: where /proc/self/fd points). */
        final Path file;

        Mapping(
            final MappedByteBuffer buffer, final Path path, final long size, final Object fileKey,
            final FileChannel channel, final FileDescriptor descriptor, final Path file)
        {
            this.file = file;
            this.descriptor = descriptor;
            this.buffer = buffer;
            this.path = path;
            this.size = size;
            this.fileKey = fileKey;
            this.channel = channel;
        }
    }

    RegionMapper(final ClientSettings settings, final DatagramConnection connection)
    {
        this.settings = settings;
        this.connection = connection;
    }

    /**
     * Maps what a reply to {@code request} names: by descriptor when the client asks for descriptors (the mapping
     * owns it then), else by path. A descriptor that came unasked is closed.
     *
     * @throws RegistryException when the reply cannot be mapped (the caller gives the daemon's hold back).
     */
    Mapping map(
        final String name, final String request, final String reply, final FileDescriptor descriptor,
        final boolean readOnly)
    {
        FileDescriptor unused = descriptor;
        try
        {
            if (!settings.descriptors())
            {
                return mapPath(name, reply, readOnly);
            }
            if (null == descriptor)
            {
                throw new RegistryException(null, "zerocpd answered " + request + " without a descriptor");
            }
            unused = null; // the mapping owns it now
            return mapDescriptor(name, reply, descriptor, readOnly);
        }
        catch (final RegistryException ex)
        {
            throw ex;
        }
        catch (final java.nio.channels.ClosedByInterruptException ex)
        {
            throw new RegistryInterruptedException("interrupted while mapping region " + name + " (the daemon's " +
                "hold is given back)", ex);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new RegistryException("cannot map region " + name + ": " + ex.getMessage(), ex);
        }
        finally
        {
            if (null != unused)
            {
                DatagramConnection.closeDescriptor(unused);
            }
        }
    }

    /** Maps the file at the path {@code reply} names. */
    Mapping mapPath(final String name, final String reply, final boolean readOnly) throws IOException
    {
        final Path path = Paths.get(reply);
        if (!path.isAbsolute() || !path.normalize().equals(path))
        {
            throw refused(name, "the path '" + Replies.printable(reply) + "' is not a plain absolute path");
        }
        checkLocation(name, path.toRealPath(), "the path " + path);
        final FileChannel channel = readOnly ?
            FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS) :
            FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try
        {
            final BasicFileAttributes attributes =
                Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile())
            {
                throw refused(name, path + " is not a regular file");
            }
            checkOwner(name, FileIdentity.ownerUid(path), path.toString());
            final long size = mappable(name, channel.size(), path.toString());
            final MappedByteBuffer buffer = channel.map(mode(readOnly), 0, size);
            return new Mapping(buffer, path, size, attributes.fileKey(), channel, null, path);
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
    }

    /**
     * Maps the file behind {@code fd}; the mapping's channel owns it from then on, also when this throws.
     *
     * @param reply the size the daemon claims.
     */
    Mapping mapDescriptor(final String name, final String reply, final FileDescriptor fd, final boolean readOnly)
        throws IOException
    {
        final long claimed = Replies.size(reply, "GET_SHM_FD:" + name);
        final int number = FileDescriptorCast.using(fd).as(Integer.class);
        final Path link = Paths.get("/proc/self/fd/" + number);
        String target = Files.readSymbolicLink(link).toString();
        if (target.endsWith(DELETED))
        {
            target = target.substring(0, target.length() - DELETED.length());
        }
        if (!target.startsWith("/"))
        {
            throw refused(name, "the descriptor passed is not a file (" + Replies.printable(target) + ")");
        }
        checkLocation(name, Paths.get(target), "the descriptor passed (" + target + ")");
        checkOwner(name, FileIdentity.ownerUid(number), target);
        final FileChannel channel = DescriptorChannels.open(fd, readOnly);
        try
        {
            final long actual = channel.size(); // fstat
            if (actual != claimed)
            {
                throw refused(name, "the reply claims " + claimed + " bytes but the file passed has " + actual +
                    " (the client maps a file at its own size and never resizes it)");
            }
            final long size = mappable(name, actual, target);
            final MappedByteBuffer buffer = channel.map(mode(readOnly), 0, size);
            return new Mapping(buffer, null, size, FileIdentity.of(fd), channel, fd, Paths.get(target));
        }
        catch (final IOException | RuntimeException ex)
        {
            DescriptorChannels.close(channel, fd);
            throw ex;
        }
    }

    /** Closes what a {@link Mapping} keeps open: its channel and (descriptor mode) every descriptor behind it. */
    static void closeFile(final FileChannel channel, final FileDescriptor descriptor)
    {
        if (null != descriptor)
        {
            DescriptorChannels.close(channel, descriptor);
            return;
        }
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // closing a file we only read the size of
        }
    }

    /** The file must be the region's file and lie inside the shm directory (after resolving every link). */
    private void checkLocation(final String name, final Path realFile, final String what) throws IOException
    {
        final Path shmDirectory = settings.shmDirectory.toRealPath();
        if (!realFile.startsWith(shmDirectory) || realFile.equals(shmDirectory))
        {
            throw refused(name, what + " is outside zerocpd's shm directory " + shmDirectory +
                " (RegistryClient.Builder.shmDirectory sets it)");
        }
        if (!realFile.getFileName().toString().equals(Protocol.regionFileName(name)))
        {
            throw refused(name, what + " is not region " + name + "'s file " + Protocol.regionFileName(name));
        }
    }

    private void checkOwner(final String name, final int owner, final String file)
    {
        final int daemonUid = connection.daemonUid();
        if (owner != daemonUid)
        {
            throw refused(name, file + " is owned by uid " + owner + ", not by zerocpd's uid " + daemonUid +
                " (RegistryClient.Builder.daemonUid sets it; by default the owner of the socket file)");
        }
    }

    private static long mappable(final String name, final long size, final String file)
    {
        if (size <= 0)
        {
            throw refused(name, file + " is empty");
        }
        if (size > Integer.MAX_VALUE)
        {
            // One mapping holds at most 2 GiB (a JDK limit for FileChannel.map).
            throw new RegistryException(null, "region " + name + " has " + size + " bytes; a SharedRegion maps " +
                "at most " + Integer.MAX_VALUE + " (map it in parts through its path or descriptor)");
        }
        return size;
    }

    private static FileChannel.MapMode mode(final boolean readOnly)
    {
        return readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE;
    }

    private static RegistryException refused(final String name, final String why)
    {
        return new RegistryException(null, "refusing to map region " + name + ": " + why);
    }
}
