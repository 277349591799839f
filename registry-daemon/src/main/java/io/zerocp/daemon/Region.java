package io.zerocp.daemon;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One region the daemon owns: a file {@code <shm-dir>/<name>_shm} of fixed size. Owned by the conductor thread.
 */
final class Region
{
    final String name;
    final NameKey key;
    final Path path;
    final long size;
    final boolean isStatic;
    /** Reachable by descriptor only ({@code private-regions}); fixed by the config for the region's whole life. */
    final boolean isPrivate;
    final long createdEpochMs;
    final byte[] pathReply;
    final byte[] sizeReply;
    /** Bytes of its record in a compacted journal, and of one hold's record (see {@link UidShares}). */
    final int journalBytes;
    final int holdJournalBytes;
    /** The kernel uid of the client that made it ({@link Session#UNKNOWN_UID}: not known, static, or restored). */
    int ownerUid = Session.UNKNOWN_UID;
    /** Whether it counts in its owner's {@link UidShares}. */
    boolean charged;
    /** Whether it counts among the regions nobody has ever held ({@code max-unheld-regions}). */
    boolean countedUnheld;

    int holders;
    boolean hadHolds;
    /** Nanosecond deadline at which a lingering region with no holders is unlinked; 0 when not lingering. */
    long reapDeadlineNs;
    /** Why it is lingering (what took its last hold), for the reap counters; set with the deadline. */
    ReapCause reapCause;
    boolean removed;
    /**
     * Device and inode of the file the daemon made (or adopted) for this region: a descriptor opened later by name
     * must be this file, or someone swapped it.
     */
    Object fileKey;
    /**
     * Open descriptors handed out by GET_SHM_FD; kept while the region is among the most recently asked for (see
     * {@link RegionDescriptors}), closed when it drops out or goes.
     */
    FileChannel readWriteFile;
    FileChannel readOnlyFile;
    /** {@link RegionDescriptors}' list of regions with a descriptor open, least recently asked for first. */
    Region olderOpen;
    Region newerOpen;

    Region(
        final String name,
        final Path path,
        final long size,
        final boolean isStatic,
        final boolean isPrivate,
        final long createdEpochMs)
    {
        this.name = name;
        this.key = NameKey.of(name);
        this.path = path;
        this.size = size;
        this.isStatic = isStatic;
        this.isPrivate = isPrivate;
        this.createdEpochMs = createdEpochMs;
        this.pathReply = path.toString().getBytes(StandardCharsets.UTF_8);
        this.sizeReply = Long.toString(size).getBytes(StandardCharsets.US_ASCII);
        final int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        this.journalBytes = JournalCodec.regionRecordLength(nameBytes);
        this.holdJournalBytes = JournalCodec.holdRecordLength(nameBytes);
    }

    boolean isReapable()
    {
        return !isStatic && hadHolds && holders == 0;
    }

    @Override
    public String toString()
    {
        return name + "(" + size + " bytes" + (isStatic ? ", static" : "") + ")";
    }
}
