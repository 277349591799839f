package io.zerocp.daemon;

import io.zerocp.api.RegionLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Names the layout of a region for {@code LIST} by reading the typed-region header the client library writes at
 * offset 0. The daemon hands out regions by size and never interprets their bytes otherwise. Admin path only.
 */
final class RegionLayouts
{
    private RegionLayouts()
    {
    }

    static String describe(final Path path)
    {
        final ByteBuffer prefix = ByteBuffer.allocate(RegionLayout.PREFIX_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))
        {
            while (prefix.hasRemaining() && channel.read(prefix, prefix.position()) > 0)
            {
                // read the header prefix; a region shorter than it holds plain bytes
            }
        }
        catch (final IOException ex)
        {
            return "unreadable";
        }
        if (prefix.hasRemaining())
        {
            return RegionLayout.BYTES;
        }
        return RegionLayout.describe(prefix.getLong(RegionLayout.MAGIC_OFFSET), prefix.getLong(RegionLayout.STATE_OFFSET),
            prefix.getInt(RegionLayout.KIND_OFFSET), prefix.getInt(RegionLayout.VERSION_OFFSET));
    }
}
