package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One user cannot take the regions or the journal from the others (issue 25, case 5): {@code nobody}, in a process of
 * its own, makes regions until it is refused, and then root still registers, makes regions and opens them. Per uid
 * on the native transport (the kernel names each sender's uid); on junixsocket (JDK 17), where the daemon knows no
 * uid and a client that never registers holds nothing, the regions nobody holds are bounded in all.
 */
class UidSharesTest
{
    static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
        "--");

    /** Python: {@code askfd(s, data)} asks for a descriptor, returns {@code (reply, fd or -1)}. */
    static final String ASK_FD = String.join("\n",
        "def askfd(s, data):",
        "    s.sendto(data, daemon)",
        "    msg, fds, flags, addr = socket.recv_fds(s, 65536, 4)",
        "    for extra in fds[1:]: os.close(extra)",
        "    return msg.decode('ascii'), (fds[0] if fds else -1)",
        "");

    /** Python, as root: registers, opens {@code existing} by descriptor, makes and opens two regions of its own. */
    static String rootStillServed(final String tag, final String existing)
    {
        return ASK_FD + String.join("\n",
            "s = sock(b'\\0" + tag + "-root-%d' % os.getpid())",
            "print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0])",
            "r, fd = askfd(s, b'GET_SHM_FD:" + existing + "')",
            "print(r, os.fstat(fd).st_size if fd >= 0 else 'no-fd')",
            "r, fd = askfd(s, b'GET_SHM_FD:" + tag + "_root_fd,size=8192')",
            "print(r, os.fstat(fd).st_size if fd >= 0 else 'no-fd')",
            "r = ask(s, b'GET_SHM_PATH:" + tag + "_root_path,size=4096')[0]",
            "print('PATH' if r.startswith('/') else r)",
            "");
    }

    static void assertRootServed(final String output, final long existingSize)
    {
        final String[] lines = output.strip().split("\n");
        assertEquals(4, lines.length, output);
        assertTrue(lines[0].startsWith("OK lease_ms="), output);
        assertEquals(existingSize + " " + existingSize, lines[1], output);
        assertEquals("8192 8192", lines[2], output);
        assertEquals("PATH", lines[3], output);
    }

    /** Python: asks {@code count} regions by path, counts the answers ({@code PATH} for a path). */
    private static String makeRegions(final String tag, final String namePrefix, final int count)
    {
        return String.join("\n",
            "s = sock(b'\\0" + tag + "-nobody-%d' % os.getpid())",
            "answers = {}",
            "refused = 0",
            "for i in range(" + count + "):",
            "    r = ask(s, b'GET_SHM_PATH:" + namePrefix + "%06d,size=4096' % i)[0]",
            "    k = 'PATH' if r.startswith('/') else r",
            "    answers[k] = answers.get(k, 0) + 1",
            "    refused = refused + 1 if k != 'PATH' else 0",
            "    if refused >= 20: break",
            "print(sorted(answers.items()))",
            "sys.stdout.flush()",
            "signal.pause()", // alive: on the native transport its regions are held while it lives
            "");
    }

    private static void assumeNobody()
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
    }

    @Test
    void regionsPerUidAreCappedAndRootStillMakesAndOpensRegions()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable");
        assumeNobody();
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"socket-mode\": \"0666\", \"linger-ms\": 0, " +
            "\"max-regions-per-uid\": 20}", TransportKind.NATIVE);
            PythonPeer nobody = PythonPeer.start(AS_NOBODY, daemon.socket(), makeRegions("cap", "cap_", 30)))
        {
            assertEquals("[('ERROR: Quota exceeded', 10), ('PATH', 20)]", nobody.readLine(120));
            assertRootServed(PythonPeer.run(daemon.socket(), rootStillServed("cap", "cap_000000")), 4096);
        }
    }

    @Test
    void oneUidCannotFillTheJournalForTheOthers()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable");
        assumeNobody();
        // The smallest journal (64 KiB): 64-character names, so a few hundred regions would fill it all.
        final String prefix = "j".repeat(58);
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"socket-mode\": \"0666\", \"linger-ms\": 0, " +
            "\"journal-reserve-bytes\": 65536, \"max-regions-per-uid\": 100000}", TransportKind.NATIVE);
            PythonPeer nobody = PythonPeer.start(AS_NOBODY, daemon.socket(), makeRegions("share", prefix, 600)))
        {
            final String answers = nobody.readLine(180);
            assertTrue(answers.contains("('ERROR: Quota exceeded', 20)"), answers);
            assertFalse(answers.contains("Not durable"), answers);
            // Its share: 25 % of 64 KiB less one request's room, ~175 journal bytes per region and hold: ~69.
            final java.util.regex.Matcher made = java.util.regex.Pattern.compile("\\('PATH', (\\d+)\\)")
                .matcher(answers);
            assertTrue(made.find(), answers);
            final int regions = Integer.parseInt(made.group(1));
            assertTrue(regions >= 40 && regions <= 100, "nobody made " + regions + " regions: " + answers);
            assertRootServed(PythonPeer.run(daemon.socket(), rootStillServed("share", prefix + "000000")), 4096);
        }
    }

    @Test
    void regionsNobodyHoldsAreBoundedWhereTheDaemonKnowsNoUid()
    {
        assumeNobody();
        // junixsocket (JDK 17's transport): no uid, and a client that never registers holds nothing.
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"socket-mode\": \"0666\", \"linger-ms\": 0, " +
            "\"max-unheld-regions\": 20}", TransportKind.JUNIXSOCKET);
            PythonPeer nobody = PythonPeer.start(AS_NOBODY, daemon.socket(), makeRegions("unheld", "unheld_", 30)))
        {
            assertEquals("[('ERROR: Quota exceeded', 10), ('PATH', 20)]", nobody.readLine(120));
            // An existing region is still reached without a session: only a creation nobody would hold is refused.
            final String unregistered = PythonPeer.run(daemon.socket(), String.join("\n",
                "s = sock(b'\\0unheld-unregistered-%d' % os.getpid())",
                "r = ask(s, b'GET_SHM_PATH:unheld_000003')[0]",
                "print('PATH' if r.startswith('/') else r)",
                "print(ask(s, b'GET_SHM_PATH:unheld_new,size=4096')[0])"));
            assertEquals("PATH\nERROR: Quota exceeded", unregistered.strip());
            // A registered client holds what it makes: it is not bounded by the regions nobody holds.
            assertRootServed(PythonPeer.run(daemon.socket(), rootStillServed("unheld", "unheld_000000")), 4096);
        }
    }
}
