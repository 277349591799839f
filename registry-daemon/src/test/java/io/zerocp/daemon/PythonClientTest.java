package io.zerocp.daemon;

import io.zerocp.testkit.ExternalCommand;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A client in another language, written from the protocol alone: Python's own AF_UNIX datagram socket, bound to an
 * abstract name or to a path, speaks the seed table and a named region, and writes into the region it mapped.
 */
class PythonClientTest
{
    private static final String SCRIPT = String.join("\n",
        "import mmap, os, socket, sys",
        "daemon, kind, where, region = sys.argv[1:5]",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "s.bind('\\0' + where if kind == 'abstract' else where)",
        "s.settimeout(10)",
        "def ask(request):",
        "    s.sendto(request.encode('ascii'), daemon)",
        "    reply, _ = s.recvfrom(65536)",
        "    print(request + ' => ' + repr(reply), flush=True)",
        "    return reply",
        "ask('PING')",
        "ask('GET_SHM_PATH')",
        "ask('GET_SHM_SIZE')",
        "ask('HELLO')",
        "path = ask('GET_SHM_PATH:' + region + ',size=8192').decode('ascii')",
        "ask('GET_SHM_SIZE:' + region)",
        "ask('GET_SHM_PATH:' + region + ',size=4096')",
        "ask('GET_SHM_SIZE:' + region + '_missing')",
        "fd = os.open(path, os.O_RDWR)",
        "m = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)",
        "m[0:15] = b'python-was-here'",
        "m[8191] = 0x5A",
        "m.close()",
        "os.close(fd)",
        "s.close()",
        "if kind == 'path':",
        "    os.unlink(where)",
        "print('DONE', flush=True)",
        "");

    private static EmbeddedDaemon daemon;

    @BeforeAll
    static void startDaemon()
    {
        assumeTrue(ExternalCommand.works("python3", "-c", "import mmap, socket"), "python3 is not available");
        daemon = EmbeddedDaemon.start();
    }

    @AfterAll
    static void stopDaemon()
    {
        if (null != daemon)
        {
            daemon.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"abstract", "path"})
    void pythonClientSpeaksTheProtocol(final String kind) throws Exception
    {
        final Path workDir = Files.createTempDirectory("zerocp-py-");
        try
        {
            final Path script = Files.writeString(workDir.resolve("client.py"), SCRIPT);
            final String region = "py_" + kind;
            final String where = "abstract".equals(kind) ?
                "zerocp-py-" + workDir.getFileName() : workDir.resolve("c.sock").toString();

            final List<String> lines = ExternalCommand.run(
                List.of("python3", script.toString(), daemon.socket().toString(), kind, where, region));

            final Path regionFile = daemon.regionFile(region);
            assertEquals(List.of(
                "PING => b'PONG'",
                "GET_SHM_PATH => b'" + daemon.shmDir() + "/zero_copy_framework_shm'",
                "GET_SHM_SIZE => b'4096'",
                "HELLO => b'ERROR: Unknown command'",
                "GET_SHM_PATH:" + region + ",size=8192 => b'" + regionFile + "'",
                "GET_SHM_SIZE:" + region + " => b'8192'",
                "GET_SHM_PATH:" + region + ",size=4096 => b'ERROR: Size mismatch'",
                "GET_SHM_SIZE:" + region + "_missing => b'ERROR: No such region'",
                "DONE"), lines);

            final ByteBuffer bytes = ByteBuffer.allocate(8192);
            try (FileChannel channel = FileChannel.open(regionFile, StandardOpenOption.READ))
            {
                assertEquals(8192, channel.size());
                channel.read(bytes, 0);
            }
            assertEquals("python-was-here", new String(bytes.array(), 0, 15, StandardCharsets.US_ASCII));
            assertEquals(0, bytes.get(15));
            assertEquals(0x5A, bytes.get(8191));
        }
        finally
        {
            TestDirs.deleteTree(workDir);
        }
    }

}
