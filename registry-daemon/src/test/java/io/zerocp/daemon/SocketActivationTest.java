package io.zerocp.daemon;

import io.zerocp.api.RequiredJvmFlags;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Socket activation with a supervisor that is not systemd: a python process binds the socket, starts zerocpd with it
 * as descriptor 3 ({@code LISTEN_FDS}/{@code LISTEN_PID}), and starts it again when it dies. A client sends a
 * {@code PING} every 5 ms throughout a {@code kill -9} of the daemon: the socket never goes away, so the client sees
 * no error, only a pause; the region a holder registered survives with its hold.
 */
class SocketActivationTest
{
    private static final String SUPERVISOR = String.join("\n",
        "import os, socket, subprocess, sys",
        "path, stop = sys.argv[1], sys.argv[2]",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)", // as systemd's PassCredentials=yes
        "s.bind(path)",
        "os.chmod(path, 0o600)",
        "os.dup2(s.fileno(), 3)",
        "wrapper = ['sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=zerocpd exec \"$@\"', 'sh']",
        "while not os.path.exists(stop):",
        "    p = subprocess.Popen(wrapper + sys.argv[3:], pass_fds=(3,), stdout=subprocess.DEVNULL,",
        "                         stderr=subprocess.DEVNULL)",
        "    print('spawned', p.pid, flush=True)",
        "    p.wait()",
        "    print('exited', p.returncode, flush=True)",
        "");

    @Test
    void aKilledDaemonIsRespawnedOnTheSameSocketAndNoRequestFails() throws Exception
    {
        assumeTrue(PythonPeer.available(), "python3 is not available");
        try (TestDirs dirs = new TestDirs())
        {
            final Path stop = dirs.socketDir().resolve("stop");
            final List<String> command = new ArrayList<>(List.of("python3", "-c", SUPERVISOR,
                dirs.socket().toString(), stop.toString()));
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(RequiredJvmFlags.forThisJvm());
            final String transport = System.getProperty("zerocp.transport");
            if (null != transport)
            {
                command.add("-Dzerocp.transport=" + transport);
            }
            command.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Zerocpd.class.getName(), "--socket", dirs.socket().toString(), "--shm-dir", dirs.shmDir().toString(),
                "--lease-ttl-ms", "600000"));
            final Process supervisor = new ProcessBuilder(command).redirectErrorStream(true).start();
            final BlockingQueue<String> events = new ArrayBlockingQueue<>(100);
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(supervisor.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while (null != (line = in.readLine()))
                    {
                        events.offer(line);
                    }
                }
                catch (final java.io.IOException ignored)
                {
                    // supervisor gone
                }
            });
            reader.setDaemon(true);
            reader.start();
            try
            {
                final String first = events.poll(60, TimeUnit.SECONDS);
                assertNotNull(first, "the supervisor did not start the daemon");
                final long firstPid = Long.parseLong(first.split(" ")[1]);

                try (PythonPeer holder = PythonPeer.start(dirs.socket(), String.join("\n",
                    "s = sock(b'\\0sat-holder-%d' % os.getpid())",
                    "s.settimeout(60)", // the first daemon may still be starting: the datagram waits in the socket
                    "print(ask(s, b'REGISTER:process_id=%d' % os.getpid())[0])",
                    "print(ask(s, b'GET_SHM_PATH:kept,size=4096')[0])",
                    "signal.pause()"));
                    PythonPeer pinger = PythonPeer.start(dirs.socket(), String.join("\n",
                        "s = sock(b'\\0sat-pinger-%d' % os.getpid())",
                        "s.settimeout(20)", // a request the killed daemon had taken is never answered
                        "ok = errors = 0; longest = 0.0",
                        "print('go')",
                        "deadline = time.time() + float(os.environ.get('PING_SECONDS', '12'))",
                        "while time.time() < deadline:",
                        "    t = time.time()",
                        "    try:",
                        "        if ask(s, b'PING')[0] == 'PONG': ok += 1",
                        "        else: errors += 1",
                        "    except Exception as e:",
                        "        errors += 1; print('error', e)",
                        "    longest = max(longest, time.time() - t)",
                        "    time.sleep(0.005)",
                        "print('ok', ok, 'errors', errors, 'longest_ms', int(longest * 1000))")))
                {
                    final String registered = holder.readLine(90);
                    if (!registered.startsWith("OK lease_ms="))
                    {
                        Thread.sleep(500);
                        throw new AssertionError("holder: " + holder.output() + "\nsupervisor: " + events);
                    }
                    final Path region = Path.of(holder.readLine(30));
                    assertEquals("go", pinger.readLine(30));
                    Thread.sleep(1_000);

                    new ProcessBuilder("kill", "-9", Long.toString(firstPid)).start().waitFor();
                    final String exited = events.poll(30, TimeUnit.SECONDS);
                    assertTrue(null != exited && exited.startsWith("exited"), "supervisor saw: " + exited);
                    final String respawned = events.poll(30, TimeUnit.SECONDS);
                    assertTrue(null != respawned && respawned.startsWith("spawned"), "supervisor: " + respawned);
                    assertTrue(Files.exists(dirs.socket()), "the socket file stays while the daemon is down");

                    final String result = pinger.awaitExit(120);
                    final String last = result.lines().reduce((a, b) -> b).orElse("");
                    // No request fails except, at most, the one the killed daemon had already taken off the socket:
                    // its reply never comes, and the client times out once and goes on.
                    assertTrue(last.matches("ok \\d+ errors [01] longest_ms \\d+"), result);
                    assertTrue(!last.contains("errors 1") || result.contains("error timed out"), result);
                    assertTrue(Files.exists(region), "the held region survived the crash");
                    final String after = PythonPeer.run(dirs.socket(), String.join("\n",
                        "s = sock(b'\\0sat-check-%d' % os.getpid())",
                        "print(ask(s, b'GET_SHM_SIZE:kept')[0])"));
                    assertEquals("4096", after.strip());
                }
            }
            finally
            {
                Files.createFile(stop);
                for (final ProcessHandle child : supervisor.descendants().toList())
                {
                    child.destroy(); // SIGTERM: the daemon stops cleanly; the supervisor sees 'stop' and ends
                }
                supervisor.waitFor(30, TimeUnit.SECONDS);
                supervisor.destroyForcibly();
            }
        }
    }
}
