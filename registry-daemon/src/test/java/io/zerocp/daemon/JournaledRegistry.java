package io.zerocp.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A {@link Registry} with a real {@link StateJournal} in {@code stateDir}, restored from whatever journal is there,
 * over region files in {@code shmDir}: the daemon's durable core without a socket or threads. Lease timers never
 * fire (nobody runs the duty cycle) and lingering regions are never reaped (nobody calls {@code reapDue}), so a
 * test sees exactly what the journal and the restore rules produce.
 */
final class JournaledRegistry implements AutoCloseable
{
    final Registry registry;
    final StateJournal journal;
    final Path stateDir;

    JournaledRegistry(final Path shmDir, final Path stateDir, final ProcessProbe probe, final List<TokenGrant> tokens)
    {
        this.stateDir = stateDir;
        try
        {
            Files.createDirectories(stateDir);
            final DaemonConfig.Builder builder = DaemonConfig.builder()
                .socketPath(stateDir.resolve("unused.sock"))
                .shmDir(shmDir)
                .stateDir(stateDir)
                .lingerMs(3_600_000)
                .leaseTtlMs(3_600_000);
            tokens.forEach(builder::token);
            final DaemonContext context = new DaemonContext(builder.build())
                .processProbe(probe).conclude();
            final ProcessWatcher watcher = new ProcessWatcher(probe, 10, event -> {}); // never started
            journal = StateJournal.open(stateDir, 1L << 20);
            registry = new Registry(context, new LeaseTable(3_600_000, context.nanoClock()), watcher, journal);
            JournalRestore.restore(journal, registry, probe);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final ConfigException | JournalFile.UnknownVersionException ex)
        {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    Path journalFile()
    {
        return stateDir.resolve(StateJournal.FILE_NAME);
    }

    /** @return the bytes of valid records (the file itself is the whole reserve). */
    long journalSize()
    {
        return journal.dataLength();
    }

    /** @return the journal's valid bytes, as a {@code kill -9} now would leave them for the next start. */
    byte[] journalBytes()
    {
        try
        {
            return java.util.Arrays.copyOf(Files.readAllBytes(journalFile()), (int)journalSize());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    Session session(final String address)
    {
        return registry.leases().find(ClientAddress.ofAbstract(address));
    }

    /** The durable state as text, in a fixed order, to compare restores. */
    String state()
    {
        final TreeSet<String> lines = new TreeSet<>();
        for (final Region region : registry.regions())
        {
            lines.add("region " + region.name + " " + region.size + (region.isStatic ? " static" : ""));
        }
        for (final Session session : registry.leases().sessions())
        {
            final List<String> holds = new ArrayList<>();
            for (final Region region : session.holds)
            {
                holds.add(region.name);
            }
            holds.sort(null);
            lines.add("session " + session.id + " " + session.address + " pid=" + session.processId +
                " grant=" + (null == session.grant ? "-" : session.grant.id) + " holds=" + holds);
        }
        return String.join("\n", lines);
    }

    /** Compacts the journal and closes it, as a clean stop does. */
    @Override
    public void close()
    {
        try
        {
            registry.persist();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        journal.close();
    }
}
