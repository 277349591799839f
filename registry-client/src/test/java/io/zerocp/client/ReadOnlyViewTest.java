package io.zerocp.client;

import io.zerocp.daemon.EmbeddedDaemon;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A read-only region's view cannot be written through any cast, nor re-pointed, and dies with the region. */
class ReadOnlyViewTest
{
    @Test
    void theViewOfAReadOnlyRegionIsNoWritableBuffer()
    {
        for (final TransferMode mode : TransferMode.values())
        {
            try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
                RegistryClient writer = RegistryClient.builder().socketPath(daemon.socket()).build();
                SharedRegion writable = writer.acquire("ro_view", 4096);
                RegistryClient reader = RegistryClient.builder().socketPath(daemon.socket()).transferMode(mode)
                    .build())
            {
                writable.buffer().putLongVolatile(8, 77);
                final SharedRegion readOnly = reader.acquireReadOnly("ro_view");
                final DirectBuffer view = readOnly.view();
                assertFalse(view instanceof MutableDirectBuffer, mode + ": " + view.getClass());
                assertTrue(view instanceof ReadOnlyRegionBuffer);
                assertEquals(77, view.getLong(8));
                assertEquals(77, ((ReadOnlyRegionBuffer)view).getLongVolatile(8));
                assertThrows(UnsupportedOperationException.class, () -> view.wrap(0L, 4096));
                assertNull(view.byteBuffer());
                assertThrows(IllegalStateException.class, readOnly::buffer);
                readOnly.close();
                assertThrows(IndexOutOfBoundsException.class, () -> view.getLong(8), "closed: no access");
            }
        }
    }
}
