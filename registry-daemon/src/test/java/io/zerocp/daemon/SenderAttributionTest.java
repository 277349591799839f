package io.zerocp.daemon;

import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The transport keeps the last sender's address between datagrams; requests from different clients, interleaved,
 * must still be answered to and accounted against the client that sent them.
 */
class SenderAttributionTest
{
    private static final String REGISTER = "REGISTER:process_id=" + ProcessHandle.current().pid();
    private static final String NOT_REGISTERED = "ERROR: Not registered";

    @Test
    void interleavedClientsKeepTheirOwnSessions()
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
             RawClient abstractA = new RawClient(daemon.socket());
             RawClient abstractB = new RawClient(daemon.socket());
             RawClient upper = new RawClient(daemon.socket(), daemon.socketDir().resolve("Client.sock"));
             RawClient lower = new RawClient(daemon.socket(), daemon.socketDir().resolve("client.sock")))
        {
            assertEquals("OK lease_ms=" + daemon.config().leaseTtlMs(), abstractA.ask(REGISTER));
            assertEquals("OK lease_ms=" + daemon.config().leaseTtlMs(), abstractA.ask("RENEW"));
            assertEquals(NOT_REGISTERED, abstractB.ask("RENEW"));
            assertEquals(NOT_REGISTERED, upper.ask("RENEW"));
            assertEquals("OK lease_ms=" + daemon.config().leaseTtlMs(), abstractA.ask("RENEW"));

            // path names that differ only in case are different clients
            assertEquals("OK lease_ms=" + daemon.config().leaseTtlMs(), upper.ask(REGISTER));
            assertEquals(NOT_REGISTERED, lower.ask("RENEW"));
            assertEquals("OK lease_ms=" + daemon.config().leaseTtlMs(), upper.ask("RENEW"));

            assertEquals("OK", abstractA.ask("RELEASE"));
            assertEquals(NOT_REGISTERED, abstractA.ask("RENEW"));
            assertEquals("OK lease_ms=" + daemon.config().leaseTtlMs(), upper.ask("RENEW"));
            assertEquals(NOT_REGISTERED, abstractB.ask("RENEW"));
            assertEquals(NOT_REGISTERED, lower.ask("RENEW"));
        }
    }
}
