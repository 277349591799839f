package io.zerocp.daemon;

import io.zerocp.testkit.PythonPeer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The daemon's descriptors (issue 25, case 4): ~10k small regions each asked for a read-write and a read-only
 * descriptor once took it to 19,958 of its 20,000 descriptors, and every client's {@code REGISTER} and
 * {@code GET_SHM_*} got {@code ERROR: Invalid argument}. Now it keeps {@code max-kept-descriptors} open at most, and
 * a daemon out of descriptors all the same answers the true reason. The daemon runs in this JVM (as root), on the
 * suite's transport; the clients are python processes, the attacker as {@code nobody}.
 */
class DescriptorExhaustionTest
{
    private static long openDescriptors() throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    @Test
    void descriptorsKeptOpenAreBoundedAndEveryoneStillGetsTheirs() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(io.zerocp.testkit.ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"socket-mode\": \"0666\", \"linger-ms\": 0, " +
            "\"max-kept-descriptors\": 8}"))
        {
            final long before = openDescriptors();
            try (PythonPeer nobody = PythonPeer.start(UidSharesTest.AS_NOBODY, daemon.socket(),
                UidSharesTest.ASK_FD + String.join("\n",
                "s = sock(b'\\0fds-nobody-%d' % os.getpid())",
                "answers = {}",
                "for i in range(40):",
                "    for mode in (b'', b',mode=ro'):",
                "        r, fd = askfd(s, b'GET_SHM_FD:fds_%02d,size=4096%s' % (i, mode))",
                "        if fd >= 0: os.close(fd)",
                "        answers[r] = answers.get(r, 0) + 1",
                "print(sorted(answers.items()))",
                "sys.stdout.flush()",
                "signal.pause()", // alive: on the native transport its regions are held while it lives
                "")))
            {
                assertEquals("[('4096', 80)]", nobody.readLine(120));
                // 80 descriptors once; now 8, plus the peer's pipes and its session's pidfd.
                final long grown = openDescriptors() - before;
                assertTrue(grown <= 8 + 8, "the daemon kept " + grown + " descriptors more open");

                // Root, and nobody's first region (its descriptors long closed), are served.
                UidSharesTest.assertRootServed(PythonPeer.run(daemon.socket(),
                    UidSharesTest.rootStillServed("fds", "fds_00")), 4096);
            }
        }
    }

    @Test
    void aDaemonOutOfDescriptorsAnswersTooManyOpenFiles()
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(0 == new com.sun.security.auth.module.UnixSystem().getUid(), "needs root (prlimit of this JVM)");
        try (EmbeddedDaemon daemon = EmbeddedDaemon.startJson("{\"linger-ms\": 0}"))
        {
            // The client lowers this JVM's (the daemon's) descriptor limit to its lowest free descriptor, so any
            // descriptor the daemon opens fails with EMFILE; then it asks, and puts the limit back.
            final String output = PythonPeer.run(daemon.socket(), UidSharesTest.ASK_FD + String.join("\n",
                "import resource",
                "target = " + ProcessHandle.current().pid(),
                "s = sock(b'\\0emfile-before-%d' % os.getpid())",
                "print(ask(s, b'GET_SHM_PATH:emfile_made,size=4096')[0].startswith('/'))",
                // The same requests once with descriptors to spare: the classes they run through are loaded (from
                // target/classes, a file each) before none is left.
                "w = sock(b'\\0emfile-warm-%d' % os.getpid())",
                "ask(w, b'REGISTER:process_id=%d' % os.getpid())",
                "os.close(askfd(w, b'GET_SHM_FD:emfile_warm,size=4096')[1])",
                "t = sock(b'\\0emfile-new-%d' % os.getpid())",
                "u = sock(b'\\0emfile-fd-%d' % os.getpid())",
                "old = resource.prlimit(target, resource.RLIMIT_NOFILE)",
                "used = set(int(n) for n in os.listdir('/proc/%d/fd' % target))",
                "free = next(n for n in range(1 << 20) if n not in used)",
                "resource.prlimit(target, resource.RLIMIT_NOFILE, (free, old[1]))",
                "try:",
                "    a = ask(t, b'REGISTER:process_id=%d' % os.getpid())[0]",
                "    b = askfd(s, b'GET_SHM_FD:emfile_made')",
                "    c = ask(s, b'GET_SHM_PATH:emfile_new,size=4096')[0]",
                "finally:",
                "    resource.prlimit(target, resource.RLIMIT_NOFILE, old)",
                "print(a)",
                "print(b[0], b[1] >= 0)",
                "print(c)",
                "print(ask(t, b'REGISTER:process_id=%d' % os.getpid())[0].startswith('OK'))",
                "r, fd = askfd(s, b'GET_SHM_FD:emfile_made')",
                "print(r, fd >= 0)",
                "print(ask(s, b'GET_SHM_PATH:emfile_new,size=4096')[0].startswith('/'))",
                ""));
            // The GET_SHM_FD of an existing region may be served all the same: the daemon closes a descriptor it
            // kept for another region (emfile_warm's) and opens again. Either way it never says Invalid argument.
            final String[] lines = output.strip().split("\n");
            assertEquals(7, lines.length, output);
            assertEquals("True", lines[0], output);
            assertEquals("ERROR: Too many open files", lines[1], output);
            assertTrue(lines[2].equals("ERROR: Too many open files False") || lines[2].equals("4096 True"), output);
            assertEquals("ERROR: Too many open files", lines[3], output);
            assertEquals("True\n4096 True\nTrue", String.join("\n", lines[4], lines[5], lines[6]), output);
        }
    }
}
