package io.zerocp.client;

import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replies are input: with the daemon down, a process bound its socket path and answers whatever it likes. Every case
 * goes through a real {@link RegistryClient} (its real reply predicates, parsing and mapping checks), and every bad
 * reply is a {@link RegistryException} with a clear message; no file is mapped outside the shm directory and no
 * file changes size.
 */
class HostileReplyTest
{
    @Test
    void aPathOutsideTheShmDirectoryIsNotMapped() throws Exception
    {
        final Path outside = Files.createTempDirectory("zerocp-fk");
        final Path file = outside.resolve("fk_shm");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw");
            ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) -> d.send(client, file.toString()));
            RegistryClient client = squatter.clientBuilder().shmDirectory(squatter.dirs.shmDir()).build())
        {
            f.setLength(4096);
            final RegistryException ex = assertThrows(RegistryException.class, () -> client.acquire("fk"));
            assertTrue(ex.getMessage().contains("outside zerocpd's shm directory"), ex.getMessage());
            assertEquals(4096, Files.size(file));
        }
        finally
        {
            Files.deleteIfExists(file);
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void aSymlinkOutOfTheShmDirectoryIsNotFollowed() throws Exception
    {
        final Path outside = Files.createTempDirectory("zerocp-fk");
        final Path target = outside.resolve("fk_shm");
        try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw");
            ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) ->
                d.send(client, d.dirs.shmDir().resolve("fk_shm").toString()));
            RegistryClient client = squatter.clientBuilder().shmDirectory(squatter.dirs.shmDir()).build())
        {
            f.setLength(4096);
            Files.createSymbolicLink(squatter.dirs.shmDir().resolve("fk_shm"), target);
            final RegistryException ex = assertThrows(RegistryException.class, () -> client.acquire("fk"));
            assertTrue(ex.getMessage().contains("outside zerocpd's shm directory"), ex.getMessage());
        }
        finally
        {
            Files.deleteIfExists(target);
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void aDescriptorOfAFileOutsideTheShmDirectoryIsNotMapped() throws Exception
    {
        final Path outside = Files.createTempDirectory("zerocp-fk");
        final Path file = outside.resolve("fk_shm");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw");
            ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) ->
                d.sendWithDescriptor(client, f.getFD(), "4096"));
            RegistryClient client = squatter.clientBuilder().transferMode(TransferMode.FD)
                .shmDirectory(squatter.dirs.shmDir()).build())
        {
            f.setLength(4096);
            final RegistryException ex = assertThrows(RegistryException.class, () -> client.acquire("fk"));
            assertTrue(ex.getMessage().contains("outside zerocpd's shm directory"), ex.getMessage());
        }
        finally
        {
            Files.deleteIfExists(file);
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void aDescriptorReplyClaimingMoreThanTheFileHasNeitherGrowsNorMapsIt() throws Exception
    {
        try (ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) ->
            {
                try (RandomAccessFile f = new RandomAccessFile(d.dirs.shmDir().resolve("big_shm").toFile(), "rw"))
                {
                    d.sendWithDescriptor(client, f.getFD(), "1048576");
                }
            });
            RegistryClient client = squatter.clientBuilder().transferMode(TransferMode.FD)
                .shmDirectory(squatter.dirs.shmDir()).build())
        {
            final Path file = squatter.dirs.shmDir().resolve("big_shm");
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw"))
            {
                f.setLength(4096);
            }
            final RegistryException ex = assertThrows(RegistryException.class, () -> client.acquire("big"));
            assertTrue(ex.getMessage().contains("claims 1048576 bytes but the file passed has 4096"),
                ex.getMessage());
            assertEquals(4096, Files.size(file), "the file was not grown");
        }
    }

    @Test
    void aPathReplyIsMappedAtTheFilesOwnSize() throws Exception
    {
        try (ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) ->
                d.send(client, d.dirs.shmDir().resolve("own_shm").toString()));
            RegistryClient client = squatter.clientBuilder().shmDirectory(squatter.dirs.shmDir()).build())
        {
            final Path file = squatter.dirs.shmDir().resolve("own_shm");
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw"))
            {
                f.setLength(4096);
            }
            try (SharedRegion region = client.acquire("own", 1 << 20))
            {
                assertEquals(4096, region.size());
                assertEquals(4096, region.fileSize());
            }
            assertEquals(4096, Files.size(file), "the file was not grown to the size asked for");
        }
    }

    @Test
    void unparsableNumbersAreRegistryExceptions() throws Exception
    {
        try (ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) ->
                d.send(client, request.startsWith("REGISTER") ? "OK lease_ms=abc" : "9999999999999999999")))
        {
            try (RegistryClient client = squatter.clientBuilder().build())
            {
                final RegistryException size = assertThrows(RegistryException.class, client::shmSize);
                assertEquals(RegistryException.class, size.getClass());
                assertTrue(size.getMessage().contains("'9999999999999999999', which is not a size"),
                    size.getMessage());
                assertThrows(RegistryException.class, () -> client.shmSize("x"));
            }
            final RegistryException lease = assertThrows(RegistryException.class,
                () -> squatter.clientBuilder().register(true).build());
            assertTrue(lease.getMessage().contains("'OK lease_ms=abc', which is not a lease"), lease.getMessage());
        }
    }

    @Test
    void aSocketOwnedByAnotherUidThanTheDaemonsIsRefused() throws Exception
    {
        try (ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) -> d.send(client, "PONG")))
        {
            final int owner = (Integer)Files.getAttribute(squatter.socket(), "unix:uid");
            try (RegistryClient right = squatter.clientBuilder().daemonUid(owner).build())
            {
                right.ping(); // the right uid: accepted
            }
            try (RegistryClient client = squatter.clientBuilder().daemonUid(owner + 4242).build())
            {
                final RegistryException ex = assertThrows(RegistryException.class, client::ping);
                assertTrue(ex.getMessage().contains("is owned by uid " + owner + ", not by zerocpd's uid " +
                    (owner + 4242)), ex.getMessage());
            }
        }
    }

    @Test
    void aRegionFileOwnedByAnotherUidIsNotMapped() throws Exception
    {
        try (ScriptedDaemon squatter = new ScriptedDaemon((d, request, client) ->
                d.send(client, d.dirs.shmDir().resolve("theirs_shm").toString()));
            RegistryClient client = squatter.clientBuilder().shmDirectory(squatter.dirs.shmDir()).build())
        {
            final Path file = squatter.dirs.shmDir().resolve("theirs_shm");
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw"))
            {
                f.setLength(4096);
            }
            final int owner = (Integer)Files.getAttribute(squatter.socket(), "unix:uid");
            Files.setAttribute(file, "unix:uid", owner + 4242);
            final RegistryException ex = assertThrows(RegistryException.class, () -> client.acquire("theirs"));
            assertTrue(ex.getMessage().contains("is owned by uid " + (owner + 4242)), ex.getMessage());
        }
    }
}
