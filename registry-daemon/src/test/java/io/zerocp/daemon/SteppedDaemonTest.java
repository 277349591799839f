package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmarks' hook: a daemon driven from the caller's thread, through its handler and through its socket. */
class SteppedDaemonTest
{
    @Test
    void answersThroughTheHandlerAndTheSocketAndCleansUpOnClose() throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path socket = dirs.socket();
            final SteppedDaemon daemon = SteppedDaemon.create(DaemonConfig.builder().socketPath(socket)
                .shmDir(dirs.shmDir()).build());
            try
            {
                final ClientAddress sender = ClientAddress.ofAbstract("stepped-test-" + ProcessHandle.current().pid());
                final byte[] ping = "PING".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                assertEquals(4, daemon.handle(ping, ping.length, sender));
                assertEquals("PONG", daemon.lastReply());
                assertEquals(dirs.shmDir().resolve("stepped_region_shm").toString(),
                    daemon.ask("GET_SHM_PATH:stepped_region,size=8192", sender));
                assertEquals(8192, Files.size(dirs.shmDir().resolve("stepped_region_shm")));

                // Nothing answers on the socket until the caller runs a duty cycle.
                try (RawClient client = new RawClient(socket))
                {
                    client.send("GET_SHM_SIZE:stepped_region");
                    final long deadline = System.nanoTime() + 10_000_000_000L;
                    while (daemon.doWork() == 0 && System.nanoTime() < deadline)
                    {
                        Thread.sleep(1);
                    }
                    assertEquals("8192", client.receive());
                }
            }
            finally
            {
                daemon.close();
                daemon.close(); // safe twice
            }
            assertFalse(Files.exists(socket), "socket file removed on close");
            assertTrue(Files.exists(dirs.shmDir().resolve("stepped_region_shm")), "regions persist, as on a stop");
        }
    }
}
