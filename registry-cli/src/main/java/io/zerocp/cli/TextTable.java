package io.zerocp.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Aligned columns for people: numbers right-aligned, text left-aligned.
 */
final class TextTable
{
    private final String[] headers;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(final String... headers)
    {
        this.headers = headers;
        this.rightAligned = new boolean[headers.length];
    }

    TextTable right(final int... columns)
    {
        for (final int c : columns)
        {
            rightAligned[c] = true;
        }
        return this;
    }

    void row(final Object... cells)
    {
        final String[] row = new String[headers.length];
        for (int i = 0; i < headers.length; i++)
        {
            row[i] = i < cells.length && null != cells[i] ? cells[i].toString() : "-";
        }
        rows.add(row);
    }

    int size()
    {
        return rows.size();
    }

    void print(final PrintWriter out)
    {
        final int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++)
        {
            widths[i] = headers[i].length();
            for (final String[] row : rows)
            {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        line(out, headers, widths);
        for (final String[] row : rows)
        {
            line(out, row, widths);
        }
        out.flush();
    }

    private void line(final PrintWriter out, final String[] cells, final int[] widths)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++)
        {
            if (i > 0)
            {
                sb.append("  ");
            }
            final String pad = " ".repeat(widths[i] - cells[i].length());
            if (rightAligned[i])
            {
                sb.append(pad).append(cells[i]);
            }
            else
            {
                sb.append(cells[i]);
                if (i < cells.length - 1)
                {
                    sb.append(pad);
                }
            }
        }
        out.println(sb);
    }

    /** Bytes as a person reads them: 4096 -> "4.0 KiB". */
    static String bytes(final long bytes)
    {
        if (bytes < 1024)
        {
            return bytes + " B";
        }
        final String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1)
        {
            value /= 1024;
            unit++;
        }
        return String.format("%.1f %s", value, units[unit]);
    }

    /** Milliseconds as a short duration: "850 ms", "12.3 s", "4 min". */
    static String millis(final long ms)
    {
        if (ms < 1000)
        {
            return ms + " ms";
        }
        if (ms < 60_000)
        {
            return String.format("%.1f s", ms / 1000.0);
        }
        if (ms < 3_600_000)
        {
            return (ms / 60_000) + " min";
        }
        return String.format("%.1f h", ms / 3_600_000.0);
    }
}
