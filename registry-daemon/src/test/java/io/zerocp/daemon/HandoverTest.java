package io.zerocp.daemon;

import io.zerocp.api.RequiredJvmFlags;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code zerocpd --replace} with real processes: child daemon JVMs hand the socket on while a python client sends a
 * request every 2 ms from its own process. The transport is the suite's ({@code zerocp.transport}, passed on to the
 * children).
 */
class HandoverTest
{
    /** PING and GET_SHM_SIZE in turn until the stop file appears; any error or timeout counts. */
    private static final String LOAD = String.join("\n",
        "s = sock(b'\\0handover-load-%d' % os.getpid())",
        "s.settimeout(30)",
        "stop = daemon + '.stop'",
        "ok = errors = 0; longest = 0.0",
        "print('go', flush=True)",
        "while not os.path.exists(stop):",
        "    t = time.time()",
        "    try:",
        "        want = 'PONG' if ok % 2 == 0 else '4096'",
        "        r = ask(s, b'PING' if want == 'PONG' else b'GET_SHM_SIZE:kept')[0]",
        "        if r == want: ok += 1",
        "        else: errors += 1; print('bad', r, flush=True)",
        "    except Exception as e:",
        "        errors += 1; print('error', e, flush=True)",
        "    longest = max(longest, time.time() - t)",
        "    time.sleep(0.002)",
        "print('ok', ok, 'errors', errors, 'longest_ms', int(longest * 1000), flush=True)");

    private static final String HOLDER = String.join("\n",
        "s = sock(b'\\0handover-holder-%d' % os.getpid())",
        "s.settimeout(60)",
        "print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0], flush=True)",
        "print(ask(s, b'GET_SHM_PATH:kept,size=4096')[0], flush=True)",
        "signal.pause()");

    /** The holders of "kept": session, address and pid (the kernel's uid and gid are not journaled). */
    private static final Pattern HOLDERS = Pattern.compile(
        "\"name\": ?\"kept\".*?\"holders\": ?\\[\\{(\"session\":[^}]*\"pid\": ?\\d+)");

    @Test
    void replacingTwiceUnderLoadLosesNoRequestAndKeepsRegionsAndHolds() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        try (TestDirs dirs = new TestDirs(); ChildJvm first = daemon(dirs))
        {
            awaitListening(first);
            try (PythonPeer holder = PythonPeer.start(dirs.socket(), HOLDER))
            {
                assertTrue(holder.readLine(60).startsWith("OK lease_ms="), holder.output());
                final Path region = Path.of(holder.readLine(30));
                final String holdersBefore = holders(dirs);
                final Path stop = dirs.socket("d.sock.stop");
                try (PythonPeer load = load(dirs, stop))
                {
                    assertEquals("go", load.readLine(30));
                    Thread.sleep(300);
                    try (ChildJvm second = daemon(dirs, "--replace"))
                    {
                        awaitListening(second, first);
                        assertEquals(0, first.waitFor(60, TimeUnit.SECONDS), first.output());
                        assertTrue(first.printed("serves the socket now"), first.output());
                        Thread.sleep(300);
                        try (ChildJvm third = daemon(dirs, "--replace"))
                        {
                            awaitListening(third, second);
                            assertEquals(0, second.waitFor(60, TimeUnit.SECONDS), second.output());
                            Thread.sleep(300);
                            Files.createFile(stop);
                            final String result = load.awaitExit(60);
                            assertTrue(result.strip().lines().reduce((a, b) -> b).orElse("")
                                .matches("ok \\d+ errors 0 longest_ms \\d+"), result + first.output() +
                                second.output() + third.output());
                            assertTrue(Files.exists(region), "the held region survived both handovers");
                            assertEquals(holdersBefore, holders(dirs), "the hold survived both handovers");
                            stopCleanly(third);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aReplacementThatFailsLeavesTheOldDaemonServing() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        try (TestDirs dirs = new TestDirs(); ChildJvm first = daemon(dirs))
        {
            awaitListening(first);
            try (PythonPeer holder = PythonPeer.start(dirs.socket(), HOLDER))
            {
                assertTrue(holder.readLine(60).startsWith("OK lease_ms="), holder.output());
                holder.readLine(30);
                final Path stop = dirs.socket("d.sock.stop");
                try (PythonPeer load = load(dirs, stop))
                {
                    assertEquals("go", load.readLine(30));
                    // A config that does not load: the successor exits before it asks for anything.
                    try (ChildJvm badConfig = daemon(dirs, "--replace", "--config",
                        dirs.socketDir().resolve("missing.json").toString()))
                    {
                        assertEquals(2, badConfig.waitFor(60, TimeUnit.SECONDS), badConfig.output());
                    }
                    // A successor that fails after the pause (its --socket is not the socket it was passed): the
                    // old daemon takes the socket back.
                    try (ChildJvm mismatched = child(List.of("--socket", dirs.socket("other.sock").toString(),
                        "--shm-dir", dirs.shmDir().toString(), "--lease-ttl-ms", "600000", "--replace")))
                    {
                        assertEquals(1, mismatched.waitFor(60, TimeUnit.SECONDS), mismatched.output());
                        assertTrue(mismatched.output().contains("not to"), mismatched.output());
                    }
                    first.awaitPrinted("serving " + dirs.socket() + " again");
                    // A successor that dies before it confirms: the old daemon takes the socket back at once.
                    final Path control = dirs.shmDir().resolve(".zerocpd").resolve(HandoverServer.FILE_NAME);
                    final String killed = PythonPeer.run(control, String.join("\n",
                        "c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                        "c.connect(daemon); c.sendall(b'HANDOVER\\n')",
                        "msg, fds, flags, addr = socket.recv_fds(c, 64, 4)",
                        "print(msg.decode().strip(), len(fds), flush=True)",
                        "os._exit(0)")); // gone without confirming
                    assertEquals("READY 1", killed.strip());
                    first.awaitPrinted("it closed the connection");
                    assertTrue(first.process().isAlive(), first.output());

                    try (ChildJvm good = daemon(dirs, "--replace"))
                    {
                        awaitListening(good);
                        assertEquals(0, first.waitFor(60, TimeUnit.SECONDS), first.output());
                        Thread.sleep(300);
                        Files.createFile(stop);
                        final String result = load.awaitExit(60);
                        assertTrue(result.strip().lines().reduce((a, b) -> b).orElse("")
                            .matches("ok \\d+ errors 0 longest_ms \\d+"), result + first.output() + good.output());
                        assertEquals("4096", PythonPeer.run(dirs.socket(), String.join("\n",
                            "s = sock(b'\\0handover-check-%d' % os.getpid())",
                            "print(ask(s, b'GET_SHM_SIZE:kept')[0])")).strip());
                        stopCleanly(good);
                    }
                }
            }
        }
    }

    @Test
    void anotherUserCannotTakeTheSocketThroughTheControlSocket() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(ChildJvm.canRunAs("65534"), "needs root and setpriv");
        try (TestDirs dirs = new TestDirs(); ChildJvm daemon = daemon(dirs))
        {
            awaitListening(daemon);
            final Path stateDir = dirs.shmDir().resolve(".zerocpd");
            final Path control = stateDir.resolve(HandoverServer.FILE_NAME);
            final List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
            final String ask = String.join("\n",
                "c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                "try:",
                "    c.connect(daemon)",
                "    try: c.sendall(b'HANDOVER\\n')",
                "    except BrokenPipeError: pass", // refused at once: the answer is already there to read
                "    msg, fds, flags, addr = socket.recv_fds(c, 128, 4)",
                "    print(msg.decode().strip(), 'fds', len(fds), flush=True)",
                "except OSError as e:",
                "    print('refused', e.errno, flush=True)");
            // The state directory is 0700: another user cannot even reach the control socket.
            try (PythonPeer other = PythonPeer.start(nobody, control, ask))
            {
                assertEquals("refused 13", other.awaitExit(60).strip()); // EACCES
            }
            // Even when it can (an operator opened the directory), the daemon checks the peer's uid.
            Files.setPosixFilePermissions(stateDir, FileModes.parse("0711"));
            Files.setPosixFilePermissions(control, FileModes.parse("0666"));
            try (PythonPeer other = PythonPeer.start(nobody, control, ask))
            {
                final String answer = other.awaitExit(60).strip();
                assertTrue(answer.startsWith("ERROR: only uid 0 may replace this daemon fds 0"), answer);
            }
            daemon.awaitPrinted("refused pid");
            assertFalse(daemon.printed("paused"), daemon.output());
            assertEquals("PONG", PythonPeer.run(dirs.socket(), String.join("\n",
                "s = sock(b'\\0handover-after-%d' % os.getpid())",
                "print(ask(s, b'PING')[0])")).strip());
            stopCleanly(daemon);
        }
    }

    @Test
    void aSocketActivatedDaemonCanBeReplaced() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        final String supervisor = String.join("\n",
            "import os, socket, subprocess, sys",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)",
            "s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o600); os.dup2(s.fileno(), 3)",
            "wrapper = ['sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=zerocpd exec \"$@\"', 'sh']",
            "p = subprocess.Popen(wrapper + sys.argv[2:], pass_fds=(3,))",
            "print('exited', p.wait(), flush=True)");
        try (TestDirs dirs = new TestDirs())
        {
            final List<String> command = new ArrayList<>(List.of("python3", "-c", supervisor,
                dirs.socket().toString()));
            command.addAll(javaCommand());
            command.addAll(daemonArgs(dirs));
            final Path log = dirs.socketDir().resolve("supervisor.log");
            final Process activated = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
            try
            {
                awaitInFile(log, "zerocpd listening");
                final Path stop = dirs.socket("d.sock.stop");
                try (PythonPeer holder = PythonPeer.start(dirs.socket(), HOLDER))
                {
                    assertTrue(holder.readLine(60).startsWith("OK lease_ms="), holder.output());
                    holder.readLine(30);
                    replaceActivated(dirs, stop, log);
                }
            }
            finally
            {
                for (final ProcessHandle child : activated.descendants().toList())
                {
                    child.destroy();
                }
                activated.waitFor(30, TimeUnit.SECONDS);
                activated.destroyForcibly();
            }
        }
    }

    private static void replaceActivated(final TestDirs dirs, final Path stop, final Path log) throws Exception
    {
        try (PythonPeer load = load(dirs, stop); ChildJvm successor = daemon(dirs, "--replace"))
        {
            assertEquals("go", load.readLine(30));
            awaitListening(successor);
            awaitInFile(log, "exited 0");
            assertTrue(Files.exists(dirs.socket()), "the socket file stays");
            Thread.sleep(300);
            Files.createFile(stop);
            final String result = load.awaitExit(60);
            assertTrue(result.strip().lines().reduce((a, b) -> b).orElse("")
                .matches("ok \\d+ errors 0 longest_ms \\d+"), result);
            stopCleanly(successor);
        }
    }

    private static PythonPeer load(final TestDirs dirs, final Path stop)
    {
        assertEquals(dirs.socket() + ".stop", stop.toString());
        return PythonPeer.start(dirs.socket(), LOAD);
    }

    /** The holders of region "kept" as LIST shows them (session ids, addresses, pids). */
    private static String holders(final TestDirs dirs)
    {
        final String list = PythonPeer.run(dirs.socket(), String.join("\n",
            "s = sock(b'\\0handover-list-%d' % os.getpid())",
            "print(ask(s, b'LIST')[0])"));
        final Matcher m = HOLDERS.matcher(list);
        assertTrue(m.find(), list);
        return m.group(1);
    }

    private static List<String> daemonArgs(final TestDirs dirs, final String... extra)
    {
        final List<String> args = new ArrayList<>(List.of("--socket", dirs.socket().toString(),
            "--shm-dir", dirs.shmDir().toString(), "--lease-ttl-ms", "600000"));
        args.addAll(List.of(extra));
        return args;
    }

    private static ChildJvm daemon(final TestDirs dirs, final String... extra)
    {
        return child(daemonArgs(dirs, extra));
    }

    private static ChildJvm child(final List<String> args)
    {
        return ChildJvm.start(Zerocpd.class, args.toArray(new String[0]));
    }

    private static List<String> javaCommand()
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(RequiredJvmFlags.forThisJvm());
        final String transport = System.getProperty("zerocp.transport");
        if (null != transport)
        {
            command.add("-Dzerocp.transport=" + transport);
        }
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            Zerocpd.class.getName()));
        return command;
    }

    private static void awaitListening(final ChildJvm daemon, final ChildJvm... others) throws InterruptedException
    {
        try
        {
            daemon.awaitPrinted("zerocpd listening");
        }
        catch (final AssertionError ex)
        {
            final StringBuilder more = new StringBuilder(ex.getMessage());
            for (final ChildJvm other : others)
            {
                more.append("\n--- predecessor:\n").append(other.output());
            }
            throw new AssertionError(more.toString(), ex);
        }
    }

    private static void awaitInFile(final Path log, final String text) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.readString(log).contains(text))
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("never saw '" + text + "':\n" + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }

    /** SIGTERM and wait, so the daemon removes its files before the directories go. */
    private static void stopCleanly(final ChildJvm daemon)
    {
        daemon.process().destroy();
        assertEquals(0, daemon.waitFor(30, TimeUnit.SECONDS), daemon.output());
    }
}
