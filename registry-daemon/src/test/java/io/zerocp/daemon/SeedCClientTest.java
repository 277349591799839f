package io.zerocp.daemon;

import io.zerocp.testkit.ExternalCommand;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.MappedByteBuffer;
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
 * The seed's client flow, unchanged in spirit, in C: a path-bound datagram socket asks {@code GET_SHM_PATH}, opens
 * the path it got, maps 4096 bytes shared, writes, unmaps. The Java side then maps the same file and reads it.
 */
class SeedCClientTest
{
    private static final String CLIENT = String.join("\n",
        "#include <fcntl.h>",
        "#include <stdio.h>",
        "#include <string.h>",
        "#include <sys/mman.h>",
        "#include <sys/socket.h>",
        "#include <sys/un.h>",
        "#include <unistd.h>",
        "",
        "static int fail(const char* what) { perror(what); return 1; }",
        "",
        "int main(int argc, char** argv)",
        "{",
        "    if (argc != 3) { fprintf(stderr, \"usage: client DAEMON_SOCKET BIND_PATH\\n\"); return 2; }",
        "    int sock = socket(AF_UNIX, SOCK_DGRAM, 0);",
        "    if (sock < 0) return fail(\"socket\");",
        "    struct sockaddr_un self = {0};",
        "    self.sun_family = AF_UNIX;",
        "    strncpy(self.sun_path, argv[2], sizeof(self.sun_path) - 1);",
        "    if (bind(sock, (struct sockaddr*)&self, sizeof(self)) < 0) return fail(\"bind\");",
        "    struct timeval timeout = {10, 0};",
        "    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));",
        "",
        "    struct sockaddr_un daemon = {0};",
        "    daemon.sun_family = AF_UNIX;",
        "    strncpy(daemon.sun_path, argv[1], sizeof(daemon.sun_path) - 1);",
        "    const char* request = \"GET_SHM_PATH\";",
        "    if (sendto(sock, request, strlen(request), 0, (struct sockaddr*)&daemon, sizeof(daemon)) < 0)",
        "        return fail(\"sendto\");",
        "",
        "    char path[1024];",
        "    ssize_t n = recvfrom(sock, path, sizeof(path) - 1, 0, NULL, NULL);",
        "    if (n < 0) return fail(\"recvfrom\");",
        "    path[n] = '\\0';",
        "    printf(\"PATH %s\\n\", path);",
        "",
        "    int fd = open(path, O_RDWR);",
        "    if (fd < 0) return fail(\"open\");",
        "    if (ftruncate(fd, 4096) < 0) return fail(\"ftruncate\");",
        "    unsigned char* addr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);",
        "    if (addr == MAP_FAILED) return fail(\"mmap\");",
        "    for (int i = 0; i < 4096; i++) addr[i] = (unsigned char)(i * 7 + 3);",
        "    memcpy(addr, \"seed-c-client\", 13);",
        "    if (munmap(addr, 4096) < 0) return fail(\"munmap\");",
        "    close(fd);",
        "    close(sock);",
        "    unlink(argv[2]);",
        "    printf(\"DONE\\n\");",
        "    return 0;",
        "}",
        "");

    @Test
    void seedClientWritesTheDefaultRegionThatJavaThenReads() throws Exception
    {
        assumeTrue(ExternalCommand.works("gcc", "--version"), "gcc is not available");
        final Path workDir = Files.createTempDirectory("zerocp-c-");
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start())
        {
            final Path source = Files.writeString(workDir.resolve("client.c"), CLIENT);
            final Path binary = workDir.resolve("client");
            final List<String> compiled = ExternalCommand.run(List.of("gcc", "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Werror",
                "-O1", "-o", binary.toString(), source.toString()));
            assertEquals(List.of(), compiled);

            final Path bindPath = workDir.resolve("c.sock");
            final List<String> output = ExternalCommand.run(List.of(binary.toString(), daemon.socket().toString(),
                bindPath.toString()));

            final Path regionFile = daemon.regionFile("zero_copy_framework");
            assertEquals(List.of("PATH " + regionFile, "DONE"), output);

            try (FileChannel channel = FileChannel.open(regionFile, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                assertEquals(4096, channel.size());
                final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
                final byte[] head = new byte[13];
                mapped.get(0, head);
                assertEquals("seed-c-client", new String(head, StandardCharsets.US_ASCII));
                for (int i = 13; i < 4096; i++)
                {
                    assertEquals((byte)(i * 7 + 3), mapped.get(i), "byte " + i);
                }
            }
            assertEquals("4096", askSize(daemon));
        }
        finally
        {
            TestDirs.deleteTree(workDir);
        }
    }

    private static String askSize(final EmbeddedDaemon daemon)
    {
        try (RawClient client = new RawClient(daemon.socket()))
        {
            return client.ask("GET_SHM_SIZE");
        }
    }

}
