package io.zerocp.client;

import io.zerocp.api.ErrorReply;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DescriptorTransferTest
{
    private static final String PRIVATE_CONFIG = "{\"private-regions\": [\"secret_*\"], \"socket-mode\": \"0666\"}";

    @Test
    void aClientUnderAnotherUserMapsAPrivateRegionOnlyThroughItsDescriptor()
    {
        Assumptions.assumeTrue(ChildJvm.canRunAs("nobody"), "needs root and setpriv to run a child as nobody");
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(PRIVATE_CONFIG);
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .transferMode(TransferMode.FD).build();
            SharedRegion region = client.acquire("secret_frames", 4096))
        {
            assertNull(region.path(), "a descriptor-mapped region has no path");
            assertEquals("rw-------", permissions(daemon.regionFile("secret_frames")));
            region.buffer().putLongVolatile(0, 0x1234_5678L);

            try (ChildJvm peer = ChildJvm.startAs("nobody", ForeignUserPeer.class, daemon.socket().toString(),
                "secret_frames", daemon.regionFile("secret_frames").toString()))
            {
                assertEquals(0, peer.waitFor(60, TimeUnit.SECONDS), peer::output);
                final String out = peer.output();
                assertTrue(out.contains("USER nobody"), out);
                assertTrue(out.contains("PATH FORBIDDEN"), out);
                assertTrue(out.contains("FILE DENIED"), out);
                assertTrue(out.contains("READ " + 0x1234_5678L), out);
                assertTrue(out.contains("WROTE"), out);
            }
            assertEquals(-0x1234_5678L, region.buffer().getLongVolatile(8));
        }
    }

    @Test
    void privateRegionsAreForbiddenByPathEvenToTheirOwner()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(PRIVATE_CONFIG);
            RawClient raw = new RawClient(daemon.socket()))
        {
            assertEquals(ErrorReply.FORBIDDEN.text(), raw.ask("GET_SHM_PATH:secret_x"));
            assertEquals(daemon.regionFile("public_x").toString(), raw.ask("GET_SHM_PATH:public_x"));
        }
    }

    @Test
    void aReadOnlyDescriptorCannotBeMappedForWriting() throws IOException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient writer = RegistryClient.builder().socketPath(daemon.socket())
                .transferMode(TransferMode.FD).build();
            SharedRegion region = writer.acquire("ro_test", 4096);
            AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open())
        {
            region.buffer().putLongVolatile(0, 77);
            channel.bind(AFUNIXSocketAddress.inAbstractNamespace("zerocp-ro-" + UUID.randomUUID()));
            channel.ensureAncillaryReceiveBufferSize(256);
            channel.socket().setSoTimeout(5000);
            channel.send(ByteBuffer.wrap("GET_SHM_FD:ro_test,mode=ro".getBytes(StandardCharsets.US_ASCII)),
                AFUNIXSocketAddress.of(daemon.socket()));
            final ByteBuffer reply = ByteBuffer.allocate(64);
            channel.receive(reply);
            assertEquals("4096", new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII));
            final FileDescriptor[] fds = channel.getReceivedFileDescriptors();
            assertEquals(1, fds.length);

            try (FileChannel file = FileDescriptorCast.using(fds[0]).as(FileChannel.class))
            {
                assertThrows(Exception.class, () -> file.map(FileChannel.MapMode.READ_WRITE, 0, 4096));
                assertThrows(Exception.class, () -> file.write(ByteBuffer.wrap(new byte[8]), 0));
                assertEquals(77, file.map(FileChannel.MapMode.READ_ONLY, 0, 4096)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0));
            }
            assertEquals(77, region.buffer().getLongVolatile(0), "bytes unchanged");
        }
    }

    @Test
    void theClientLibraryGivesReadOnlyHoldersAViewButNoWritableBuffer()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient writer = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion writable = writer.acquire("ro_lib", 4096);
            RegistryClient reader = RegistryClient.builder().socketPath(daemon.socket())
                .transferMode(TransferMode.FD).build();
            SharedRegion readOnly = reader.acquireReadOnly("ro_lib"))
        {
            writable.buffer().putLongVolatile(16, 99);
            assertTrue(readOnly.isReadOnly());
            assertThrows(IllegalStateException.class, readOnly::buffer);
            assertEquals(99, readOnly.view().getLong(16));
        }
    }

    @Test
    void receivedDescriptorsAreClosedWithTheirRegions() throws IOException
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            RegistryClient keeper = RegistryClient.builder().socketPath(daemon.socket()).build();
            SharedRegion kept = keeper.acquire("fd_cycle", 65536);
            RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .transferMode(TransferMode.FD).build())
        {
            for (int i = 0; i < 200; i++) // warm up lazily opened JDK and junixsocket descriptors
            {
                client.acquire("fd_cycle").close();
            }
            final long before = openDescriptors();
            for (int i = 0; i < 10_000; i++)
            {
                try (SharedRegion region = client.acquire("fd_cycle"))
                {
                    region.buffer().putInt(0, i);
                }
            }
            // Every received descriptor of the region is closed at once: only the daemon's own and the one the open
            // path-mode region `kept` keeps for fstat stay...
            assertEquals(2, descriptorsTo("fd_cycle_shm"), "only the daemon's and kept's descriptors stay open");
            // ...and so is every descriptor junixsocket's FileDescriptorCast opened of its own (a temp file per
            // read-write cast), without waiting for the garbage collector.
            final long after = openDescriptors();
            assertTrue(after <= before + 2, () -> "descriptors: " + before + " before, " + after +
                " after 10,000 cycles");
            assertEquals(9_999, kept.buffer().getInt(0));
        }
    }

    @Test
    void threeThousandCyclesUnderUlimit200NeverRunOutOfDescriptors() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start())
        {
            final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(ChildJvm.jvmFlags());
            command.addAll(java.util.List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                DescriptorCycler.class.getName(), daemon.socket().toString(), "3000"));
            final StringBuilder shell = new StringBuilder("ulimit -n 200 && exec");
            for (final String part : command)
            {
                shell.append(" '").append(part.replace("'", "'\\''")).append('\'');
            }
            final Process child = new ProcessBuilder("bash", "-c", shell.toString()).redirectErrorStream(true)
                .start();
            try
            {
                final boolean exited = child.waitFor(180, TimeUnit.SECONDS);
                final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(exited, "the cycler finished: " + output);
                assertEquals(0, child.exitValue(), output);
                assertTrue(output.contains("DONE ") && output.trim().endsWith(" 2999"), output);
            }
            finally
            {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void descriptorHoldsAreLeasedLikePathHolds()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.lingerMs(0));
            RawClient admin = new RawClient(daemon.socket()))
        {
            final RegistryClient client = RegistryClient.builder().socketPath(daemon.socket())
                .transferMode(TransferMode.FD).build();
            final SharedRegion region = client.acquire("fd_hold", 4096);
            assertTrue(admin.ask("LIST").contains("\"pid\":" + ProcessHandle.current().pid()));
            region.close();
            client.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(daemon.regionFile("fd_hold")));
        }
    }

    @Test
    void privateRegionsKeepTheirBytesAcrossADaemonRestart()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson(PRIVATE_CONFIG))
        {
            final RegistryClient.Builder builder = RegistryClient.builder().socketPath(daemon.socket())
                .transferMode(TransferMode.FD).timeout(Duration.ofSeconds(10));
            try (RegistryClient client = builder.build();
                SharedRegion region = client.acquire("secret_state", 4096))
            {
                region.buffer().putLongVolatile(0, 4242);
                daemon.restart();
                try (RegistryClient other = builder.build();
                    SharedRegion again = other.acquire("secret_state"))
                {
                    assertEquals(4242, again.buffer().getLongVolatile(0));
                }
            }
        }
    }

    private static long descriptorsTo(final String fileName) throws IOException
    {
        try (java.util.stream.Stream<Path> fds = Files.list(Paths.get("/proc/self/fd")))
        {
            return fds.filter(p ->
            {
                try
                {
                    return Files.readSymbolicLink(p).toString().endsWith("/" + fileName);
                }
                catch (final IOException ex)
                {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    private static long openDescriptors() throws IOException
    {
        try (java.util.stream.Stream<Path> fds = Files.list(Paths.get("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    private static String permissions(final Path path)
    {
        try
        {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
