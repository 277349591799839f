package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 25 (degraded): a {@code DELETE} during a 256 MiB creation answered {@code OK} or {@code No such region} and
 * the creator and a waiter were sent the region's path. Now a {@code DELETE} of a name being made cancels the
 * creation: its askers get {@code ERROR: No such region}, nobody is sent its path, and the {@code DELETE} is answered
 * {@code OK} once the region is gone. Real daemon, sockets and /dev/shm; the file worker is held mid-creation
 * ({@link GatedDaemon}) so the DELETE always lands while the region is being made, round after round.
 */
class DeleteDuringCreationTest
{
    private static final long SIZE = 256L << 20;
    private static final int ROUNDS = 5;
    private static final String NO_SUCH_REGION = "ERROR: No such region";

    @Test
    void aDeleteDuringACreationCancelsItAndNobodyIsSentItsPath() throws Exception
    {
        try (GatedDaemon daemon = new GatedDaemon("{\"open-max-bytes\": 1099511627776}");
            RawClient other = new RawClient(daemon.socket()))
        {
            for (int round = 0; round < ROUNDS; round++)
            {
                final String made = "victim" + round;
                final String queued = "queued" + round;
                final List<RawClient> clients = new ArrayList<>();
                try
                {
                    final RawClient creator = client(daemon, clients);
                    final RawClient waiter = client(daemon, clients);
                    final RawClient second = client(daemon, clients);
                    final RawClient deleter = client(daemon, clients);
                    final RawClient deleterOfQueued = client(daemon, clients);
                    daemon.shut();
                    creator.send("GET_SHM_PATH:" + made + ",size=" + SIZE);
                    daemon.awaitHeld(); // its file is made, its pages not yet reserved
                    waiter.send("GET_SHM_PATH:" + made); // waits for the same creation
                    second.send("GET_SHM_FD:" + queued + ",size=4096"); // queued behind it on the worker
                    deleter.send("DELETE:" + made);
                    deleterOfQueued.send("DELETE:" + queued);
                    deleter.send("DELETE:" + made); // a retry: still one reply
                    assertEquals("ERROR: Too many requests", other.ask("GET_SHM_PATH:" + made + ",size=4096"),
                        "the name is not free until its cancelled creation is undone");
                    assertEquals(NO_SUCH_REGION, other.ask("GET_SHM_SIZE:" + made), "never visible");
                    daemon.open();

                    assertEquals(NO_SUCH_REGION, creator.receive(), "round " + round + ": the creator");
                    assertEquals(NO_SUCH_REGION, waiter.receive(), "round " + round + ": the waiter");
                    assertEquals(NO_SUCH_REGION, second.receive(), "round " + round + ": the queued creation");
                    assertEquals("OK", deleter.receive(), "round " + round);
                    assertEquals("OK", deleterOfQueued.receive(), "round " + round);
                    assertFalse(Files.exists(daemon.regionFile(made)), "the cancelled region's file is gone");
                    assertFalse(Files.exists(daemon.regionFile(queued)), "the queued one was never made");
                    assertEquals(NO_SUCH_REGION, other.ask("GET_SHM_SIZE:" + made));
                    assertEquals(NO_SUCH_REGION, other.ask("DELETE:" + made), "gone: nothing left to delete");

                    // The name is free again: a new creation makes it, and the path answered is there.
                    final Path path = Path.of(other.ask("GET_SHM_PATH:" + made + ",size=4096"));
                    assertEquals(daemon.regionFile(made), path);
                    assertTrue(Files.exists(path));
                    assertEquals("OK", other.ask("DELETE:" + made));
                    assertEquals(null, poll(deleter), "one reply for a DELETE and its retry");
                }
                finally
                {
                    clients.forEach(RawClient::close);
                }
            }
        }
    }

    /**
     * Without holding the worker: a 256 MiB creation, a waiter, and a DELETE sent right behind them, ten times. The
     * DELETE is never {@code No such region} (the name is being made), and the two askers get the same answer: the
     * error when it was cancelled, or the path when the region was made before the DELETE came.
     */
    @Test
    void aDeleteRightBehindACreationIsNeverLostAndTheAskersAgree() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.openMaxBytes(1L << 40)))
        {
            for (int round = 0; round < 10; round++)
            {
                final String name = "race" + round;
                try (RawClient creator = new RawClient(daemon.socket());
                    RawClient waiter = new RawClient(daemon.socket());
                    RawClient deleter = new RawClient(daemon.socket()))
                {
                    creator.channel().socket().setSoTimeout(120_000);
                    waiter.channel().socket().setSoTimeout(120_000);
                    deleter.channel().socket().setSoTimeout(120_000);
                    creator.send("GET_SHM_PATH:" + name + ",size=" + SIZE);
                    waiter.send("GET_SHM_PATH:" + name);
                    deleter.send("DELETE:" + name);
                    final String created = creator.receive();
                    final String waited = waiter.receive();
                    assertEquals("OK", deleter.receive(), "round " + round + ": the DELETE of a name being made");
                    assertEquals(created, waited, "round " + round);
                    assertTrue(NO_SUCH_REGION.equals(created) || daemon.regionFile(name).toString().equals(created),
                        "round " + round + ": " + created);
                    assertFalse(Files.exists(daemon.regionFile(name)), "round " + round);
                }
            }
        }
    }

    private static RawClient client(final GatedDaemon daemon, final List<RawClient> clients) throws Exception
    {
        final RawClient client = new RawClient(daemon.socket());
        clients.add(client);
        client.channel().socket().setSoTimeout(120_000);
        return client;
    }

    private static String poll(final RawClient client) throws Exception
    {
        client.channel().configureBlocking(false);
        try
        {
            final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4096);
            return null == client.channel().receive(buffer) ? null :
                new String(buffer.array(), 0, buffer.position(), java.nio.charset.StandardCharsets.UTF_8);
        }
        finally
        {
            client.channel().configureBlocking(true);
        }
    }
}
