package io.zerocp.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.ShmDirAssertions;
import io.zerocp.testkit.TestDirs;
import io.zerocp.testkit.TmpfsMount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real zerocpd (child JVM) whose shm dir and state journal are on a small tmpfs the test mounts: regions fill it,
 * clients keep asking, the daemon is killed with SIGKILL and started again on the full filesystem. Every request
 * answered OK must be there after the restart; what could not be recorded must have been answered
 * {@code ERROR: Not durable}; the restart must work, print no stack trace, and leave nothing half written.
 */
class FullFilesystemTest
{
    private static final long LEASE_MS = 600_000;
    private static final int RESERVE = 65_536;
    private static final int REGION = 131_072;

    private final ObjectMapper mapper = new ObjectMapper();
    private final long pid = ProcessHandle.current().pid();
    private TestDirs dirs;
    private TmpfsMount tmpfs;
    private Path mountPoint;

    @BeforeEach
    void mount() throws Exception
    {
        dirs = new TestDirs();
        tmpfs = TmpfsMount.mount("2m");
        mountPoint = tmpfs.path();
    }

    @AfterEach
    void unmount() throws Exception
    {
        try
        {
            if (null != tmpfs)
            {
                tmpfs.close();
            }
        }
        finally
        {
            dirs.close();
        }
    }


    @Test
    void aFullFilesystemNeverCostsAnOkAndTheDaemonStartsOnItAgain() throws Exception
    {
        final Path config = Files.writeString(dirs.socketDir().resolve("config.json"), "{\"journal-reserve-bytes\": " +
            RESERVE + ", \"open-max-bytes\": 1099511627776, \"lease-ttl-ms\": " + LEASE_MS + ", \"linger-ms\": 0}");
        final Map<String, List<String>> answeredOk = new HashMap<>(); // client name -> regions it holds
        int notDurable = 0;
        int filled = 0;
        try (ChildJvm daemon = ChildDaemon.start(config, dirs.socket(), mountPoint, 60))
        {
            // Regions fill the tmpfs, held by one client.
            try (RawClient owner = new RawClient(dirs.socket()))
            {
                assertEquals("OK lease_ms=" + LEASE_MS, owner.ask("REGISTER:process_id=" + pid));
                answeredOk.put(owner.name(), new ArrayList<>());
                String reply = null;
                for (int i = 0; i < 64; i++)
                {
                    reply = owner.ask("GET_SHM_PATH:fill_" + i + ",size=" + REGION);
                    if (!reply.startsWith("/"))
                    {
                        break;
                    }
                    answeredOk.get(owner.name()).add("fill_" + i);
                }
                assertEquals("ERROR: No space", reply);
                filled = answeredOk.get(owner.name()).size();
                assertTrue(answeredOk.get(owner.name()).size() >= 4, answeredOk::toString);
            }

            // New clients keep registering and holding a region: the journal has its own room, until the state
            // outgrows the reserve; from then on growth is refused, never answered OK.
            for (int i = 0; i < 3_000 && notDurable < 20; i++)
            {
                try (RawClient client = new RawClient(dirs.socket()))
                {
                    final String registered = client.ask("REGISTER:process_id=" + pid);
                    if ("ERROR: Not durable".equals(registered))
                    {
                        notDurable++;
                        continue;
                    }
                    assertEquals("OK lease_ms=" + LEASE_MS, registered, "client " + i);
                    answeredOk.put(client.name(), new ArrayList<>());
                    final String held = client.ask("GET_SHM_PATH:fill_0");
                    if ("ERROR: Not durable".equals(held))
                    {
                        notDurable++;
                    }
                    else
                    {
                        assertEquals(mountPoint.resolve("fill_0_shm").toString(), held, "client " + i);
                        answeredOk.get(client.name()).add("fill_0");
                    }
                }
            }
            System.out.printf("full tmpfs: %d region(s) filled it; %d client(s) answered OK; then %d request(s) " +
                "refused with Not durable%n", filled, answeredOk.size(),
                notDurable);
            assertTrue(notDurable > 0, "the journal's reserve never ran out: " + answeredOk.size() + " clients");
            assertTrue(answeredOk.size() > 100, "clients served before the reserve ran out: " + answeredOk.size());
            daemon.kill9();
        }

        try (ChildJvm restarted = ChildDaemon.start(config, dirs.socket(), mountPoint, 60))
        {
            final String output = restarted.output();
            output.lines().filter(l -> l.contains("journal")).forEach(l -> System.out.println("restart: " + l));
            assertFalse(output.contains("Exception") || output.contains("\tat "), output);
            final Map<String, List<String>> restored = clients();
            for (final Map.Entry<String, List<String>> ok : answeredOk.entrySet())
            {
                final List<String> holds = restored.get("@" + ok.getKey());
                assertNotNull(holds, "session answered OK is gone after kill -9: " + ok.getKey());
                assertTrue(holds.containsAll(ok.getValue()), ok.getKey() + " holds " + holds + ", was " +
                    ok.getValue());
            }
            assertNoHalfWrittenFiles();

        }
    }

    private Map<String, List<String>> clients() throws IOException
    {
        final Map<String, List<String>> byAddress = new HashMap<>();
        try (RawClient admin = new RawClient(dirs.socket()))
        {
            JsonNode page = mapper.readTree(admin.ask("CLIENTS"));
            for (int pages = 0; pages < 10_000; pages++)
            {
                for (final JsonNode client : page.get("clients"))
                {
                    final List<String> holds = new ArrayList<>();
                    client.get("holds").forEach(h -> holds.add(h.asText()));
                    byAddress.put(client.get("address").asText(), holds);
                }
                if (page.get("next").isNull())
                {
                    break;
                }
                page = mapper.readTree(admin.ask("CLIENTS:offset=" + page.get("next").asInt()));
            }
        }
        return byAddress;
    }

    /** Region files all whole, nothing temporary in the state directory. */
    private void assertNoHalfWrittenFiles() throws IOException
    {
        ShmDirAssertions.assertOnlyRegionFiles(mountPoint);
        try (DirectoryStream<Path> regions = Files.newDirectoryStream(mountPoint, "fill_*_shm"))
        {
            for (final Path region : regions)
            {
                assertEquals(REGION, Files.size(region), region.toString());
            }
        }
        final List<String> state = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(mountPoint.resolve(".zerocpd")))
        {
            entries.forEach(p -> state.add(p.getFileName().toString()));
        }
        state.sort(null);
        assertFalse(state.contains(StateJournal.FILE_NAME + ".tmp"), state.toString());
        assertTrue(List.of("lock", "registry.journal", "registry.journal.spare", HandoverServer.FILE_NAME)
            .containsAll(state), state.toString());
        assertTrue(state.contains("registry.journal.spare"), "the spare was made again: " + state);
    }
}
