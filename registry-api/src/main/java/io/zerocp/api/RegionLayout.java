package io.zerocp.api;

/**
 * The header that the client library's typed regions (rings, broadcast, frame pools) keep at offset 0 of a region,
 * as far as anyone but the client needs to know it: enough for the daemon's {@code LIST} to say what a region holds.
 * The daemon never writes it; typed regions are created by size like any other and initialized by their first user.
 * All values are little-endian, as Agrona writes them.
 */
public final class RegionLayout
{
    /** "ZEROCPTY" read as a little-endian long at offset 0 marks a typed region. */
    public static final long MAGIC = 0x5A45524F43505459L;
    public static final int MAGIC_OFFSET = 0;
    /** 0 before initialization, 1 when ready, otherwise the identity of the process initializing it. */
    public static final int STATE_OFFSET = 8;
    public static final int KIND_OFFSET = 16;
    public static final int VERSION_OFFSET = 20;
    /** Bytes of the header that {@link #describe} reads. */
    public static final int PREFIX_LENGTH = 24;
    public static final long STATE_READY = 1;

    public static final int KIND_RING_MANY_TO_ONE = 1;
    public static final int KIND_RING_ONE_TO_ONE = 2;
    public static final int KIND_BROADCAST = 3;
    public static final int KIND_FRAME_POOL = 4;

    /** What {@link #describe} says of a region with no typed header. */
    public static final String BYTES = "bytes";

    private RegionLayout()
    {
    }

    /**
     * A region is typed only when its header says so completely: the magic at offset 0 and a state word that is not
     * 0 (an initializer writes its identity there before the magic, and 1 when ready). One word alone is data: a raw
     * video buffer has non-zero bytes 8-15 without any magic, and eight bytes that happen to spell the magic over a
     * zero state word are no header either. The window in which a first user has claimed the state but not yet
     * written the magic is therefore listed as {@code bytes}, which is what the region still holds.
     *
     * @return a short name for the layout: {@code bytes}, {@code ring-many-to-one v2}, {@code frame-pool v2},
     * {@code typed (initializing)} or {@code typed (unknown kind N)}.
     */
    public static String describe(final long magic, final long state, final int kind, final int version)
    {
        if (magic != MAGIC || state == 0)
        {
            return BYTES;
        }
        if (state != STATE_READY)
        {
            return "typed (initializing)";
        }
        final String name;
        switch (kind)
        {
            case KIND_RING_MANY_TO_ONE:
                name = "ring-many-to-one";
                break;
            case KIND_RING_ONE_TO_ONE:
                name = "ring-one-to-one";
                break;
            case KIND_BROADCAST:
                name = "broadcast";
                break;
            case KIND_FRAME_POOL:
                name = "frame-pool";
                break;
            default:
                return "typed (unknown kind " + kind + ")";
        }
        return name + " v" + version;
    }
}
