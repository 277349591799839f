package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sockets that send requests and never read their replies: every unread reply is charged to the daemon's send
 * buffer, and once that is full every reply to everyone fails. Three processes of another user with 1,000 silent
 * sockets each (12 requests per socket) must not stop another client's round trips.
 */
class SilentSocketsTest
{
    @Test
    void thousandsOfSilentSocketsDoNotMuteTheDaemon()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable");
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"transport\": \"native\", \"socket-mode\": \"0666\"}"))
        {
            final List<PythonPeer> silent = new ArrayList<>();
            try
            {
                for (int p = 0; p < 3; p++)
                {
                    silent.add(PythonPeer.start(List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", "--"), daemon.socket(), String.join("\n",
                        "socks = []",
                        "for i in range(1000):",
                        "    s = sock(b'\\0silent-%d-%d' % (os.getpid(), i))",
                        "    s.settimeout(2)",
                        "    for k in range(12):",
                        "        try: s.sendto(b'PING', daemon)",
                        "        except (BlockingIOError, socket.timeout): pass",
                        "    socks.append(s)",
                        "print('silent', len(socks))",
                        "signal.pause()")));
                }
                for (final PythonPeer peer : silent)
                {
                    assertEquals("silent 1000", peer.readLine(120));
                }
                // Every silent socket's queue is full now (10 unread replies each): 30,000 replies held.
                final String victim = PythonPeer.run(daemon.socket(), String.join("\n",
                    "s = sock(b'\\0silent-victim-%d' % os.getpid())",
                    "s.settimeout(2)",
                    "ok = 0",
                    "for i in range(200):",
                    "    try:",
                    "        if ask(s, b'PING')[0] == 'PONG': ok += 1",
                    "    except socket.timeout: pass",
                    "print(ok)"));
                assertEquals("200", victim.strip(), "round trips answered while 3,000 sockets never read");
            }
            finally
            {
                silent.forEach(PythonPeer::close);
            }
        }
    }
}
