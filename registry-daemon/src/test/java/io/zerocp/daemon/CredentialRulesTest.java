package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Access by kernel credentials, without tokens: rules for a user, a group (supplementary too) and a uid with no
 * name, checked against real processes run as {@code nobody} (setpriv), with and without the group {@code audio}, and
 * as a uid no rule names.
 */
class CredentialRulesTest
{
    private static final String TOKEN = TestTokens.newToken();
    private static EmbeddedDaemon daemon;

    @BeforeAll
    static void start()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable");
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
        daemon = EmbeddedDaemon.startJson("{\"transport\": \"native\", \"socket-mode\": \"0666\", " +
            "\"tokens\": [" + TestTokens.entry("ops", TOKEN, "\"allow\": [\"ops_*\"]") + "], " +
            "\"credentials\": [" +
            "{\"group\": \"audio\", \"allow\": [\"audio_*\"], \"read-only\": true}," +
            "{\"user\": \"nobody\", \"allow\": [\"nob_*\"], \"max-regions\": 1}," +
            "{\"user\": \"nobody\", \"token\": \"ops\", \"allow\": [\"ops_*\", \"nob_*\"], \"admin\": true}," +
            "{\"uid\": 0, \"allow\": [\"*\"], \"admin\": true}]}");
    }

    @AfterAll
    static void stop()
    {
        if (null != daemon)
        {
            daemon.close();
        }
    }

    @Test
    void aUserRuleGrantsItsNamesWithAQuotaPerUid()
    {
        assertEquals(List.of(
            daemon.regionFile("nob_a").toString(),
            "ERROR: Quota exceeded",      // max-regions 1 for this uid
            "ERROR: Forbidden",           // not its names
            "ERROR: Forbidden"),          // admin verbs: not granted
            as(List.of("--clear-groups"), String.join("\n",
                "s = sock(b'\\0crt-nobody-%d' % os.getpid())",
                "print(ask(s, b'GET_SHM_PATH:nob_a')[0])",
                "print(ask(s, b'GET_SHM_PATH:nob_b')[0])",
                "print(ask(s, b'GET_SHM_PATH:root_x')[0])",
                "print(ask(s, b'STATS')[0])")));
    }

    @Test
    void aGroupRuleGivesReadOnlyDescriptorsOnly()
    {
        try (PythonPeer root = PythonPeer.start(daemon.socket(), String.join("\n",
            "s = sock(b'\\0crt-root-%d' % os.getpid())",
            "print(ask(s, b'GET_SHM_PATH:audio_a,size=8192')[0])",
            "signal.pause()"))) // holds audio_a while the reader tries
        {
            assertEquals(daemon.regionFile("audio_a").toString(), root.readLine(30));
            assertEquals(List.of(
            "ERROR: Forbidden",           // a path would let it open the file read-write if the mode allowed
            "ERROR: Forbidden",           // a read-write descriptor
            "8192 1",                     // a read-only one
            "ERROR: No such region"),     // read-only never creates
            as(List.of("--groups=audio"), String.join("\n",
                "s = sock(b'\\0crt-audio-%d' % os.getpid())",
                "print(ask(s, b'GET_SHM_PATH:audio_a')[0])",
                "print(ask(s, b'GET_SHM_FD:audio_a')[0])",
                "s.sendto(b'GET_SHM_FD:audio_a,mode=ro', daemon)",
                "msg, anc, flags, src = s.recvmsg(1024, socket.CMSG_LEN(4))",
                "print(msg.decode(), len(anc))",
                "print(ask(s, b'GET_SHM_FD:audio_b,mode=ro')[0])")));
        }
    }

    @Test
    void aRuleCanRequireATokenToo()
    {
        assertEquals(List.of(
            "ERROR: Forbidden",           // without the token: the plain nobody rule (no ops_*)
            "OK",
            daemon.regionFile("ops_x").toString(),
            "{"),                         // admin through the rule that needs both
            as(List.of("--clear-groups"), String.join("\n",
                "s = sock(b'\\0crt-ops-%d' % os.getpid())",
                "print(ask(s, b'GET_SHM_PATH:ops_x')[0])",
                "print(ask(s, b'AUTH:token=" + TOKEN + "')[0])",
                "print(ask(s, b'GET_SHM_PATH:ops_x')[0])",
                "print(ask(s, b'STATS')[0][:1])")));
    }

    @Test
    void aUidNoRuleNamesIsUnauthorized()
    {
        final String out = PythonPeer.start(List.of("setpriv", "--reuid=54321", "--regid=54321", "--clear-groups",
            "--"), daemon.socket(), String.join("\n",
            "s = sock(b'\\0crt-stranger-%d' % os.getpid())",
            "print(ask(s, b'PING')[0])",
            "print(ask(s, b'GET_SHM_SIZE')[0])",
            "print(ask(s, b'GET_SHM_PATH:nob_z')[0])")).awaitExit(60);
        assertEquals(List.of("PONG", "ERROR: Unauthorized", "ERROR: Unauthorized"), out.lines().toList());
    }

    private static List<String> as(final List<String> groups, final String script)
    {
        final List<String> prefix = new java.util.ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup"));
        prefix.addAll(groups);
        prefix.add("--");
        return PythonPeer.start(prefix, daemon.socket(), script).awaitExit(60).lines().toList();
    }
}
