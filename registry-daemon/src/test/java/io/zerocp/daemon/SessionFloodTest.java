package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A session flood from one user: a process of {@code nobody} binding a new abstract name per request and sending
 * {@code REGISTER}. Past {@code max-sessions-per-uid} it is refused cheaply with {@code ERROR: Too many sessions},
 * while another user's client keeps its lease and a {@code kill -9}ed holder is still reaped at once.
 */
class SessionFloodTest
{
    @Test
    void aFloodOfSessionsIsCappedPerUidAndOthersAreUnaffected()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable");
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"transport\": \"native\", \"socket-mode\": \"0666\", " +
            "\"linger-ms\": 0, \"lease-ttl-ms\": 600000, \"max-sessions\": 400, \"max-sessions-per-uid\": 50}");
            PythonPeer holder = PythonPeer.start(daemon.socket(), String.join("\n",
                "s = sock(b'\\0flood-holder-%d' % os.getpid())",
                "print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0])",
                "print(ask(s, b'GET_SHM_PATH:flood_kept,size=4096')[0])",
                "signal.pause()"));
            PythonPeer renewer = PythonPeer.start(daemon.socket(), String.join("\n",
                "s = sock(b'\\0flood-renewer-%d' % os.getpid())",
                "print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0])",
                "while True:",
                "    time.sleep(0.05)",
                "    r = ask(s, b'RENEW')[0]",
                "    if not r.startswith('OK'): print('lost', r); break")))
        {
            assertTrue(holder.readLine(60).startsWith("OK lease_ms="));
            final Path region = Path.of(holder.readLine(30));
            assertTrue(renewer.readLine(60).startsWith("OK lease_ms="));

            final String flood = PythonPeer.start(List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
                "--clear-groups", "--"), daemon.socket(), String.join("\n",
                "answers = {}",
                "socks = []",
                "for i in range(300):",
                "    s = sock(b'\\0flood-%d-%d' % (os.getpid(), i))",
                "    r = ask(s, b'REGISTER:process_id=%d' % os.getpid())[0]",
                "    k = 'OK' if r.startswith('OK') else r",
                "    answers[k] = answers.get(k, 0) + 1",
                "    socks.append(s)",
                "print(sorted(answers.items()))")).awaitExit(120);
            assertEquals("[('ERROR: Too many sessions', 250), ('OK', 50)]", flood.strip());

            holder.kill();
            await().atMost(10, TimeUnit.SECONDS).until(() -> !Files.exists(region));
            // The renewer would have printed 'lost ...' and stopped had its lease gone.
            assertTrue(renewer.isAlive(), "the renewing client lost its lease during the flood");
        }
    }
}
