package io.zerocp.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code zerocp ls}'s layout column: typed only when magic and state both say so. */
class RegionLayoutTest
{
    @Test
    void aRegionWithoutTheMagicIsBytesWhateverItsStateWordHolds()
    {
        // A raw video buffer: bytes 8-15 are pixels, not a state.
        assertEquals(RegionLayout.BYTES, RegionLayout.describe(0x7f7f7f7f7f7f7f7fL, 0x7f7f7f7f7f7f7f7fL, 0x7f7f7f7f, 1));
        assertEquals(RegionLayout.BYTES, RegionLayout.describe(0, 1, RegionLayout.KIND_FRAME_POOL, 1));
        assertEquals(RegionLayout.BYTES, RegionLayout.describe(0, 12345, 0, 0));
    }

    @Test
    void theMagicOverAZeroStateIsBytes()
    {
        assertEquals(RegionLayout.BYTES, RegionLayout.describe(RegionLayout.MAGIC, 0, RegionLayout.KIND_BROADCAST, 1));
    }

    @Test
    void theMagicWithAStateIsTyped()
    {
        assertEquals("typed (initializing)", RegionLayout.describe(RegionLayout.MAGIC, 12345, 0, 0));
        assertEquals("frame-pool v1", RegionLayout.describe(RegionLayout.MAGIC, RegionLayout.STATE_READY,
            RegionLayout.KIND_FRAME_POOL, 1));
        assertEquals("typed (unknown kind 99)", RegionLayout.describe(RegionLayout.MAGIC, RegionLayout.STATE_READY,
            99, 1));
    }
}
