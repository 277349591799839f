package io.zerocp.daemon;

import io.zerocp.testkit.PythonPeer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What only the native transport gives, over its real socket, from python3 peers that bind any address the kernel
 * allows: exact sender addresses, an answer to every datagram (the empty one too), descriptor replies from the main
 * socket, and no harm from senders that attach descriptors, never bind, or close before the reply.
 */
class NativeTransportTest
{
    private static EmbeddedDaemon daemon;

    @BeforeAll
    static void start()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable: " +
            Transports.nativeUnavailable());
        assumeTrue(PythonPeer.available(), "python3 is not available");
        daemon = EmbeddedDaemon.start(b -> b.transport(TransportKind.NATIVE).lingerMs(0));
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
    void trailingNulMakesAnotherClient()
    {
        final String out = python(String.join("\n",
            "victim = sock(b'\\0ntt-victim-%d' % os.getpid())",
            "print(ask(victim, b'REGISTER:process_id=%d' % os.getpid())[0])",
            "print(ask(victim, b'GET_SHM_PATH:ntt_victim,size=4096')[0])",
            "twin = sock(b'\\0ntt-victim-%d\\0' % os.getpid())",
            "print(ask(twin, b'RENEW')[0])",
            "print(ask(twin, b'RELEASE')[0])",
            "print(ask(victim, b'RENEW')[0])",
            "print(ask(victim, b'RELEASE')[0])"));
        assertEquals(List.of(
            "OK lease_ms=" + daemon.config().leaseTtlMs(),
            daemon.regionFile("ntt_victim").toString(),
            "ERROR: Not registered",          // the twin is not the victim
            "OK",                             // RELEASE of nothing is OK (retries are safe)...
            "OK lease_ms=" + daemon.config().leaseTtlMs(), // ...and left the victim's lease alone
            "OK"), out.lines().toList());
    }

    @Test
    void everyDatagramIsAnswered()
    {
        final String out = python(String.join("\n",
            "s = sock(b'\\0ntt-every-%d' % os.getpid())",
            "print(ask(s, b'')[0])",
            "print(ask(s, b'PI\\0NG')[0])",
            "print(ask(s, b'X' * 1024)[0])",
            "print(ask(s, b'X' * 1025)[0])",
            "print(ask(s, b'X' * 60000)[0])",
            "longest = sock(b'\\0' + (b'%d' % os.getpid()).ljust(107, b'L'))",
            "print(ask(longest, b'PING')[0])",
            "p = sock(os.environ['PATH_SOCKET'])",
            "print(ask(p, b'GET_SHM_SIZE')[0])",
            "os.unlink(os.environ['PATH_SOCKET'])"));
        assertEquals(List.of(
            "ERROR: Unknown command",
            "ERROR: Unknown command",
            "ERROR: Unknown command",
            "ERROR: Message too long",
            "ERROR: Message too long",
            "PONG",
            "4096"), out.lines().toList());
    }

    @Test
    void descriptorRepliesLeaveFromTheMainSocket()
    {
        final String out = python(String.join("\n",
            "s = sock(b'\\0ntt-fd-%d' % os.getpid())",
            "s.sendto(b'GET_SHM_FD:ntt_fd,size=8192', daemon)",
            "fds = array.array('i')",
            "msg, anc, flags, src = s.recvmsg(1024, socket.CMSG_LEN(4 * fds.itemsize))",
            "for level, kind, data in anc:",
            "    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:",
            "        fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])",
            "print(msg.decode(), src == daemon, len(fds), os.fstat(fds[0]).st_size)",
            "os.close(fds[0])"));
        assertEquals("8192 True 1 8192", out.strip());
    }

    @Test
    void hostileSendersCostNothing() throws Exception
    {
        final long before = openDescriptors();
        final String out = python(String.join("\n",
            // 200 requests each carrying 8 descriptors: refused at the sender (SO_PASSRIGHTS, kernels from 6.16), or
            // the daemon must close every one it is handed
            "s = sock(b'\\0ntt-rights-%d' % os.getpid())",
            "r, w = os.pipe()",
            "for i in range(200):",
            "    try:",
            "        s.sendmsg([b'PING'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r, w] * 4))],"
                + " 0, daemon)",
            "        s.recvfrom(64)",
            "    except PermissionError: pass",
            // unbound senders: dropped, nobody to answer
            "for i in range(50):",
            "    sock(None).sendto(b'PING', daemon)",
            // senders that close before their reply, at every address length from 1 to 107 bytes
            "for n in range(1, 108):",
            "    try: q = sock(b'\\0' + (b'%d' % os.getpid()).ljust(n, b'c')[:n])",
            "    except OSError: continue", // a short name another run holds right now
            "    q.sendto(b'PING', daemon)",
            "    q.close()",
            "print(ask(sock(b'\\0ntt-after-%d' % os.getpid()), b'PING')[0])"));
        assertEquals("PONG", out.strip());
        // The test JVM's own descriptors move a little (class loading, logs); 1,600 leaked ones would not hide.
        final long after = openDescriptors();
        assertTrue(after - before < 50, "descriptors before " + before + ", after " + after);
    }

    private static long openDescriptors() throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    private static String python(final String steps)
    {
        return PythonPeer.run(daemon.socket(), "os.environ['PATH_SOCKET'] = " + pyString(daemon.socket()
            .resolveSibling("ntt-path.sock").toString()) + "\n" + steps);
    }

    private static String pyString(final String s)
    {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
