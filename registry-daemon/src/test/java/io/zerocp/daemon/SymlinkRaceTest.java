package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;

import io.zerocp.testkit.RawClient;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A shm dir of mode 0777 without the sticky bit, where another user can rename a fresh region file away and put a
 * symbolic link to a root-owned file in its place. Whatever the timing, the root-owned file's mode, group and bytes
 * must not change, and no descriptor of it may be handed out: every operation after the creating {@code open} goes
 * through the descriptor.
 */
class SymlinkRaceTest
{
    private static final String VICTIM_MODE = "rw-r--r--";

    private TestDirs dirs;
    private Path openDir;
    private Path victim;
    private GroupPrincipal nogroup;

    @BeforeEach
    void setUp() throws IOException
    {
        dirs = new TestDirs();
        openDir = Files.createDirectories(dirs.shmDir().resolve("open"));
        Files.setPosixFilePermissions(openDir, PosixFilePermissions.fromString("rwxrwxrwx")); // no sticky bit
        Files.setPosixFilePermissions(dirs.socketDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        victim = Files.writeString(dirs.socketDir().resolve("victim"), "root's own");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString(VICTIM_MODE));
        nogroup = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName("nogroup");
    }

    @AfterEach
    void tearDown()
    {
        dirs.close();
    }

    private void assertVictimUntouched() throws IOException
    {
        final PosixFileAttributes attributes = Files.readAttributes(victim, PosixFileAttributes.class);
        assertEquals(VICTIM_MODE, PosixFilePermissions.toString(attributes.permissions()), "the victim's mode");
        assertEquals("root", attributes.group().getName(), "the victim's group");
        assertEquals("root's own", Files.readString(victim), "the victim's bytes");
    }

    @Test
    void nameSwappedForALinkRightAfterCreationChangesOnlyTheFileTheDaemonMade() throws Exception
    {
        final Path path = openDir.resolve("swapped_shm");
        final Path moved = openDir.resolve("moved");
        // The worst timing there is: the swap lands between the creating open and everything after it.
        final RegionFiles files = new RegionFiles(() ->
        {
            try
            {
                Files.move(path, moved);
                Files.createSymbolicLink(path, victim);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        });

        final Object key = files.create(path, 8192, FileModes.parse("0660"), nogroup);

        assertVictimUntouched();
        final PosixFileAttributes made = Files.readAttributes(moved, PosixFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        assertEquals("rw-rw----", PosixFilePermissions.toString(made.permissions()), "the mode went to our file");
        assertEquals("nogroup", made.group().getName(), "the group went to our file");
        assertEquals(8192, made.size(), "the reservation went to our file");
        assertEquals(key, made.fileKey());
    }

    @Test
    void descriptorOfARegionWhoseNameWasSwappedIsRefused() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.shmDir(openDir));
            RawClient client = new RawClient(daemon.socket()))
        {
            final Path path = openDir.resolve("later_shm");
            assertEquals(path.toString(), client.ask("GET_SHM_PATH:later,size=4096"));
            Files.move(path, openDir.resolve("later_moved"));
            Files.createSymbolicLink(path, victim);

            assertEquals("ERROR: Internal error", client.ask("GET_SHM_FD:later"));
            assertEquals("ERROR: Internal error", client.ask("GET_SHM_FD:later,mode=ro"));
            assertVictimUntouched();
        }
    }

    @Test
    void aNobodyProcessRacingEveryCreationNeverReachesTheRootOwnedFile() throws Exception
    {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) && ChildJvm.canRunAs("nobody"),
            "skipped: needs root, setpriv, the user nobody and /usr/bin/python3");
        final Path stop = dirs.socketDir().resolve("stop");
        // Renames each fresh race*_shm away and puts a link to the victim in its place, as fast as it can.
        final String attacker = String.join("\n",
            "import os, sys",
            "d, victim, stop = sys.argv[1:4]",
            "swaps = 0",
            "print('ready', flush=True)",
            "while not os.path.exists(stop):",
            "    for e in os.scandir(d):",
            "        if e.name.startswith('race') and e.name.endswith('_shm') and not e.is_symlink():",
            "            try:",
            "                os.rename(e.path, e.path + '.moved')",
            "                os.symlink(victim, e.path)",
            "                swaps += 1",
            "            except OSError:",
            "                pass",
            "print(swaps, flush=True)");
        final Process nobody = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
            "--", "/usr/bin/python3", "-c", attacker, openDir.toString(), victim.toString(), stop.toString())
            .redirectErrorStream(true).start();
        final java.io.BufferedReader fromNobody = new java.io.BufferedReader(
            new java.io.InputStreamReader(nobody.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", fromNobody.readLine(), "the attacker started"); // python prints it at once
        int refused = 0;
        int created = 0;
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start(b -> b.shmDir(openDir).regionModes.add(
                new DaemonConfig.RegionMode("race*", FileModes.parse("0660"), "nogroup")));
            RawClient client = new RawClient(daemon.socket()))
        {
            // At least 400 creations, and on until the attacker has visibly swapped some names (bounded: a loaded
            // machine may starve it for a while).
            int swappedSeen = 0;
            for (int i = 0; i < 4_000 && (i < 400 || swappedSeen < 20); i++)
            {
                final String reply = client.ask("GET_SHM_PATH:race" + i + ",size=65536");
                if (reply.startsWith("/"))
                {
                    created++;
                }
                else
                {
                    refused++; // the name was taken by the attacker's link between two requests
                }
                assertVictimUntouched();
                if (i % 50 == 49)
                {
                    swappedSeen = countLinks();
                }
            }
        }
        finally
        {
            Files.writeString(stop, "");
            assertTrue(nobody.waitFor(30, TimeUnit.SECONDS), "the attacker stopped");
        }
        final String output = fromNobody.readLine();
        System.out.printf("symlink race: %d region(s) made, %d refused; the nobody process swapped %s name(s)%n",
            created, refused, output);
        assertVictimUntouched();
        final long swaps = Long.parseLong(output);
        assertTrue(swaps > 0, "the attacker never got to swap a name, so nothing was raced: " + output);
    }

    private int countLinks() throws IOException
    {
        try (java.util.stream.Stream<Path> entries = Files.list(openDir))
        {
            return (int)entries.filter(Files::isSymbolicLink).count();
        }
    }

    @Test
    void aDirectoryOthersCanWriteWithoutTheStickyBitIsNamed() throws Exception
    {
        assertTrue(RegionFiles.othersCanRename(openDir).contains("0777"), RegionFiles.othersCanRename(openDir));
        Files.setAttribute(openDir, "unix:mode", 01777);
        assertNull(RegionFiles.othersCanRename(openDir), "sticky");
        Files.setPosixFilePermissions(openDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertNull(RegionFiles.othersCanRename(openDir), "only the owner writes");
    }
}
