package io.zerocp.client.typed;

import io.zerocp.api.RegionLayout;

/**
 * What a typed region holds; stored as {@link #code()} in the region's header so a process that opens the region
 * as something else gets a {@link LayoutMismatchException}.
 */
public enum LayoutKind
{
    /** {@link MessageRing}, many producers and one consumer (Agrona {@code ManyToOneRingBuffer}). */
    RING_MANY_TO_ONE(RegionLayout.KIND_RING_MANY_TO_ONE, "capacity"),
    /** {@link MessageRing}, one producer and one consumer (Agrona {@code OneToOneRingBuffer}). */
    RING_ONE_TO_ONE(RegionLayout.KIND_RING_ONE_TO_ONE, "capacity"),
    /** {@link BroadcastRegion}: one transmitter, any number of receivers that may be lapped. */
    BROADCAST(RegionLayout.KIND_BROADCAST, "capacity"),
    /** {@link FramePool}: fixed-size slots written in place and handed over by slot number. */
    FRAME_POOL(RegionLayout.KIND_FRAME_POOL, "slots", "slotSize", "maxConsumers");

    private final int code;
    private final String[] parameterNames;

    LayoutKind(final int code, final String... parameterNames)
    {
        this.code = code;
        this.parameterNames = parameterNames;
    }

    /** @return the number stored in the header. */
    public int code()
    {
        return code;
    }

    /** @return the kind stored as {@code code}, or {@code null} for an unknown code. */
    public static LayoutKind fromCode(final int code)
    {
        for (final LayoutKind kind : values())
        {
            if (kind.code == code)
            {
                return kind;
            }
        }
        return null;
    }

    String describe(final int version, final long[] parameters)
    {
        final StringBuilder sb = new StringBuilder(name()).append(" v").append(version).append(" (");
        for (int i = 0; i < parameterNames.length; i++)
        {
            sb.append(i > 0 ? ", " : "").append(parameterNames[i]).append('=').append(parameters[i]);
        }
        return sb.append(')').toString();
    }
}
