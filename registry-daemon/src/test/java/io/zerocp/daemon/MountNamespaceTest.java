package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.ExternalCommand;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The container layout of docs/operations.md, with mount namespaces instead of containers: zerocpd (a child JVM) and
 * each client (python processes) run in their own mount namespace ({@code unshare -m --propagation private}), each
 * with a private {@code /dev/shm} and a private socket directory, and share only what a pod or a compose file would
 * share: the shm volume (mounted at {@code /dev/shm} in every view that maps by path) and the socket volume (mounted
 * at the same path in every view). One client writes a region it got by path, a second reads it back by path, a
 * third, which has only the socket volume, reads it through a descriptor ({@code GET_SHM_FD}). Skipped with a
 * message where namespaces or mounts are not allowed (not root). Private propagation means every mount goes with its
 * namespace; the test checks that none is left.
 */
class MountNamespaceTest
{
    private static final int SIZE = 65_536;

    /** Shared by the three python clients: ask the daemon from a socket bound in the shared socket dir. */
    private static final String PRELUDE = String.join("\n",
        "import mmap, os, socket, sys",
        "daemon, me, name, payload = sys.argv[1:5]",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "s.bind(me)",
        "s.settimeout(30)",
        "def ask(text):",
        "    s.sendto(text.encode(), daemon)",
        "    return s.recv(65536).decode()",
        "def sees(path):",
        "    print('SEES', path, os.path.exists(path), flush=True)",
        "");

    private static final String WRITER = PRELUDE + String.join("\n",
        "path = ask('GET_SHM_PATH:%s,size=" + SIZE + "' % name)",
        "print('PATH', path, flush=True)",
        "fd = os.open(path, os.O_RDWR)",
        "m = mmap.mmap(fd, " + SIZE + ")",
        "m[0:len(payload)] = payload.encode()",
        "print('WROTE', flush=True)",
        "sys.stdin.readline()", // holds the region until the test is done reading
        "os.unlink(me)",
        "");

    private static final String PATH_READER = PRELUDE + String.join("\n",
        "for p in sys.argv[5:]: sees(p)",
        "path = ask('GET_SHM_PATH:%s,size=" + SIZE + "' % name)",
        "m = mmap.mmap(os.open(path, os.O_RDONLY), " + SIZE + ", prot=mmap.PROT_READ)",
        "print('READ', m[0:len(payload)].decode(), flush=True)",
        "os.unlink(me)",
        "");

    private static final String FD_READER = PRELUDE + String.join("\n",
        "for p in sys.argv[5:]: sees(p)",
        "s.sendto(('GET_SHM_FD:%s,mode=ro' % name).encode(), daemon)",
        "reply, fds, flags, addr = socket.recv_fds(s, 65536, 1)",
        "print('FD', reply.decode(), len(fds), flush=True)",
        "m = mmap.mmap(fds[0], " + SIZE + ", prot=mmap.PROT_READ)",
        "print('READ', m[0:len(payload)].decode(), flush=True)",
        "os.unlink(me)",
        "");

    private static final String PID_NS_CLIENT = PRELUDE + String.join("\n",
        "print('PID', os.getpid(), flush=True)",
        "print('REGISTER', ask('REGISTER:process_id=%d' % os.getpid()), flush=True)",
        "print('GET', ask('GET_SHM_PATH:%s,size=" + SIZE + "' % name), flush=True)",
        "print('CLIENTS', ask('CLIENTS'), flush=True)",
        "print('DONE', flush=True)", // the test reads the log only after this line: never half a CLIENTS line
        "sys.stdin.readline()",
        "os.unlink(me)",
        "");

    private static final int NAMESPACE_PID = 424_243;

    private TestDirs dirs;
    private Path shmVolume;
    private Path socketVolume;
    private Path socketView;
    private Path socketInView;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception
    {
        dirs = new TestDirs();
        shmVolume = dirs.shmDir(); // a directory on the host's tmpfs, as Docker's --shm-size or an emptyDir
        socketVolume = Files.createDirectories(dirs.socketDir().resolve("volumes/sock"));
        socketView = Files.createDirectories(dirs.socketDir().resolve("run")); // empty on the host
        socketInView = socketView.resolve("zerocpd.sock");
        final Path probe = Files.createDirectories(dirs.socketDir().resolve("probe"));
        assumeTrue(ExternalCommand.works("unshare", "-m", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs -o size=1m tmpfs " + probe + " && mount --bind " + socketVolume + " " + socketView),
            "skipped: cannot make a mount namespace and mount in it (unshare -m needs root or CAP_SYS_ADMIN)");
        assumeTrue(ExternalCommand.works("python3", "-c", "import socket; socket.recv_fds"),
            "skipped: needs python3 3.9+ (socket.recv_fds) for the clients");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        try
        {
            for (final Process process : processes)
            {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            // The namespaces went with their processes, and their mounts with them.
            final String id = dirs.socketDir().getFileName().toString();
            for (final String line : ExternalCommand.run(List.of("findmnt", "-rn", "-o", "TARGET")))
            {
                assertFalse(line.contains(id), () -> "a mount was left behind: " + line);
            }
        }
        finally
        {
            dirs.close();
        }
    }

    @Test
    void daemonAndClientsInSeparateMountNamespacesShareOnlyTheShmAndSocketVolumes() throws Exception
    {
        final Path daemonLog = dirs.socketDir().resolve("daemon.log");
        final Process daemon = inNamespace(View.SHM_AND_SOCKET, daemonCommand(), daemonLog);
        awaitDaemon(daemon, daemonLog);

        final String name = "ns_region";
        final String payload = "written in namespace B " + UUID.randomUUID();
        final Path writerLog = dirs.socketDir().resolve("writer.log");
        final Process writer = inNamespace(View.SHM_AND_SOCKET, python(WRITER, "writer", name, payload), writerLog);
        awaitLine(writer, writerLog, "WROTE");
        assertTrue(read(writerLog).contains("PATH /dev/shm/" + name + "_shm"), () -> read(writerLog));

        // The host sees the bytes in the volume, but not at the path the daemon answered: that path is only good in
        // views that mount the shm volume at /dev/shm.
        final Path inVolume = shmVolume.resolve(name + "_shm");
        assertEquals(payload, readFile(inVolume, payload.length()));
        assertFalse(Files.exists(Paths.get("/dev/shm", name + "_shm")), "the host's own /dev/shm has no region");

        // A second client, in its own namespace with the same two volumes, maps the region by path.
        final Path pathLog = dirs.socketDir().resolve("path-reader.log");
        final Process pathReader = inNamespace(View.SHM_AND_SOCKET, python(PATH_READER, "path-reader", name,
            payload, shmVolume.toString(), socketVolume.toString()), pathLog);
        assertEquals(0, exitOf(pathReader), () -> read(pathLog) + read(daemonLog));
        final String pathOut = read(pathLog);
        assertTrue(pathOut.contains("READ " + payload), pathOut);
        assertTrue(pathOut.contains("SEES " + shmVolume + " False"), pathOut); // the host's /dev/shm is hidden
        assertTrue(pathOut.contains("SEES " + socketVolume + " False"), pathOut); // so is the host's socket dir

        // A third, with only the socket volume (its /dev/shm is private and empty), gets a descriptor instead.
        final Path fdLog = dirs.socketDir().resolve("fd-reader.log");
        final Process fdReader = inNamespace(View.SOCKET_ONLY, python(FD_READER, "fd-reader", name, payload,
            "/dev/shm/" + name + "_shm"), fdLog);
        assertEquals(0, exitOf(fdReader), () -> read(fdLog) + read(daemonLog));
        final String fdOut = read(fdLog);
        assertTrue(fdOut.contains("SEES /dev/shm/" + name + "_shm False"), fdOut);
        assertTrue(fdOut.contains("FD " + SIZE + " 1"), fdOut);
        assertTrue(fdOut.contains("READ " + payload), fdOut);

        try (OutputStream in = writer.getOutputStream())
        {
            in.write('\n');
        }
        assertEquals(0, exitOf(writer), () -> read(writerLog));
        daemon.destroy(); // SIGTERM: a clean stop
        assertEquals(0, exitOf(daemon), () -> read(daemonLog));
        assertFalse(read(daemonLog).contains("Exception"), () -> read(daemonLog));
    }

    /**
     * A client in a child pid namespace (a container's, seen from a daemon on the host) knows itself by another pid
     * than the one the kernel gives the daemon. On the native transport its REGISTER of its own pid is accepted
     * ({@code NSpid}) and the session is the kernel's pid, so its death ends the session at once; on junixsocket the
     * daemon can only look the number up in its own /proc, where it names no process here.
     */
    @Test
    void aClientInAChildPidNamespaceIsKnownByTheKernelsPid() throws Exception
    {
        final Path daemonLog = dirs.socketDir().resolve("daemon.log");
        final Process daemon = inNamespace(View.SHM_AND_SOCKET, daemonCommand(), daemonLog);
        awaitDaemon(daemon, daemonLog);
        final boolean kernelCredentials = read(daemonLog).contains("(native, mode");

        final Path clientLog = dirs.socketDir().resolve("pid-client.log");
        final List<String> command = inChildPidNamespace(python(PID_NS_CLIENT, "pid-client", "pid_region", "unused"));
        final Process client = inNamespace(View.SOCKET_ONLY, command, clientLog);
        awaitLine(client, clientLog, "PID " + NAMESPACE_PID, "DONE");
        final String out = read(clientLog);
        try (OutputStream in = client.getOutputStream())
        {
            in.write('\n'); // lets it exit
        }
        assertEquals(0, exitOf(client), () -> read(clientLog));
        if (kernelCredentials)
        {
            assertTrue(out.contains("REGISTER OK lease_ms="), out);
            assertTrue(out.contains("\"address\":\"" + socketView.resolve("pid-client.sock") + "\",\"pid\":"), out);
            assertFalse(out.contains("\"pid\":" + NAMESPACE_PID), () -> "the session is the kernel's pid: " + out);
            awaitLine(daemon, daemonLog, null, "pid-client.sock, pid ");
            awaitLine(daemon, daemonLog, null, "ended: process exited; released 1 hold(s)");
        }
        else
        {
            assertTrue(out.contains("REGISTER ERROR: Invalid argument"), out);
        }
        daemon.destroy();
        assertEquals(0, exitOf(daemon), () -> read(daemonLog));
    }

    /**
     * The default between two containers: daemon and client each in a pid namespace of its own, siblings. The kernel
     * cannot name the client in the daemon's namespace (it attaches pid 0), so no process is watched: the documented
     * limitation of this layout (docs/operations.md, "Pids across namespaces"), and why the recipes share the pid
     * namespace. On the native transport the kernel still gives the client's uid (and a pidfd, which tells it from a
     * datagram queued before credentials were on): the REGISTER is answered with a lease that the client renews, its
     * claimed pid unchecked and unused. On junixsocket the pid it REGISTERs is looked up in the daemon's own /proc,
     * where it names nothing.
     */
    @Test
    void aClientInASiblingPidNamespaceIsServedWithoutItsPid() throws Exception
    {
        final Path daemonLog = dirs.socketDir().resolve("daemon.log");
        final List<String> daemonInItsOwnPidNamespace = new ArrayList<>(List.of("unshare", "-p", "-f", "--kill-child",
            "--mount-proc"));
        daemonInItsOwnPidNamespace.addAll(daemonCommand());
        final Process daemon = inNamespace(View.SHM_AND_SOCKET, daemonInItsOwnPidNamespace, daemonLog);
        awaitDaemon(daemon, daemonLog);
        final boolean kernelCredentials = read(daemonLog).contains("(native, mode");

        final Path clientLog = dirs.socketDir().resolve("sibling-client.log");
        final Process client = inNamespace(View.SOCKET_ONLY,
            inChildPidNamespace(python(PID_NS_CLIENT, "sibling-client", "sibling_region", "unused")), clientLog);
        awaitLine(client, clientLog, "PID " + NAMESPACE_PID, "DONE");
        final String out = read(clientLog);
        try (OutputStream in = client.getOutputStream())
        {
            in.write('\n');
        }
        assertEquals(0, exitOf(client), () -> read(clientLog));
        assertTrue(out.contains(kernelCredentials ? "REGISTER OK lease_ms=" : "REGISTER ERROR: Invalid argument"),
            out);
        assertTrue(out.contains("GET /dev/shm/sibling_region_shm"), out); // served all the same, by address
        assertTrue(Files.exists(shmVolume.resolve("sibling_region_shm")), "made in the shared volume");
        // unshare --fork ignores SIGTERM while it waits: stop the daemon itself (pid 1 of its namespace).
        daemon.descendants().forEach(ProcessHandle::destroy);
        assertEquals(0, exitOf(daemon), () -> read(daemonLog));
        assertFalse(read(daemonLog).contains("Exception"), () -> read(daemonLog));
    }

    /** The command in a new pid namespace, as its pid {@link #NAMESPACE_PID} (ns_last_pid + 1), far above the host's. */
    private static List<String> inChildPidNamespace(final List<String> command)
    {
        final List<String> full = new ArrayList<>(List.of("unshare", "-p", "-f", "--kill-child", "--mount-proc", "sh",
            "-c", "echo " + (NAMESPACE_PID - 1) + " > /proc/sys/kernel/ns_last_pid && \"$@\"", "sh"));
        full.addAll(command);
        return full;
    }

    /** What a namespace shares with the others. */
    private enum View
    {
        /** The shm volume at /dev/shm and the socket volume at the socket path: maps regions by path. */
        SHM_AND_SOCKET,
        /** Only the socket volume; a private, empty /dev/shm: reaches regions by descriptor only. */
        SOCKET_ONLY
    }

    /**
     * Starts {@code command} in a new mount namespace: a private tmpfs (or the shm volume) over /dev/shm, the socket
     * volume bound at the socket path, and the host's copy of both volumes hidden under empty tmpfs mounts.
     */
    private Process inNamespace(final View view, final List<String> command, final Path log) throws IOException
    {
        final String shm = View.SHM_AND_SOCKET == view ?
            "mount --bind " + shmVolume + " /dev/shm" : "mount -t tmpfs -o size=1m tmpfs /dev/shm";
        final String setUp = shm + " && mount --bind " + socketVolume + " " + socketView +
            " && mount -t tmpfs -o size=1m tmpfs " + socketVolume.getParent() + " && exec \"$@\"";
        final List<String> full = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
            setUp, "sh"));
        full.addAll(command);
        final Process process = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile())
            .start();
        processes.add(process);
        return process;
    }

    private List<String> daemonCommand()
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ChildJvm.jvmFlags());
        final String transport = System.getProperty("zerocp.transport");
        if (null != transport)
        {
            command.add("-Dzerocp.transport=" + transport);
        }
        command.addAll(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            Zerocpd.class.getName(), "--socket", socketInView.toString(), "--shm-dir", "/dev/shm",
            "--linger-ms", "0"));
        return command;
    }

    private List<String> python(final String script, final String client, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("python3", "-c", script, socketInView.toString(),
            socketView.resolve(client + ".sock").toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** Pings through the host's path to the socket volume: the same socket (same inode) the namespaces see. */
    private void awaitDaemon(final Process daemon, final Path log) throws Exception
    {
        final Path hostSocket = socketVolume.resolve(socketInView.getFileName());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && daemon.isAlive())
        {
            if (Files.exists(hostSocket))
            {
                try (RawClient probe = new RawClient(hostSocket))
                {
                    if ("PONG".equals(probe.ask("PING")))
                    {
                        return;
                    }
                }
                catch (final UncheckedIOException notYet)
                {
                    // bound a moment later
                }
            }
            Thread.sleep(50);
        }
        fail("zerocpd in its namespace did not answer within 60 s: " + read(log));
    }

    private static void awaitLine(final Process process, final Path log, final String line) throws Exception
    {
        awaitLine(process, log, line, null);
    }

    /** Waits until the log has the exact {@code line} (if not null) and a line containing {@code part} (if not null). */
    private static void awaitLine(final Process process, final Path log, final String line, final String part)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && process.isAlive() && !has(read(log), line, part))
        {
            Thread.sleep(20);
        }
        assertTrue(has(read(log), line, part), () -> "no '" + (null == line ? part : line) + "': " + read(log));
    }

    private static boolean has(final String text, final String line, final String part)
    {
        return (null == line || text.lines().anyMatch(line::equals)) && (null == part || text.contains(part));
    }

    private static int exitOf(final Process process) throws InterruptedException
    {
        return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    private static String readFile(final Path file, final int length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.read(buffer, 0);
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        }
    }

    private static String read(final Path log)
    {
        try
        {
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (final IOException ex)
        {
            return "<cannot read " + log + ": " + ex + ">";
        }
    }
}
