package io.zerocp.benchmarks;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Latency percentiles against client count as a PNG, drawn with Java2D (no plotting library on this machine): one
 * line per server and percentile, log-scale y axis.
 */
final class Plot
{
    /** One line: a label, a colour, a dash, and a latency in microseconds per client count. */
    record Series(String label, Color color, boolean dashed, int[] clients, double[] micros)
    {
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final int LEFT = 80;
    private static final int RIGHT = 250;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private Plot()
    {
    }

    static void write(final Path file, final String title, final int[] xs, final List<Series> series)
        throws IOException
    {
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);

        double min = Double.MAX_VALUE;
        double max = 0;
        for (final Series s : series)
        {
            for (final double v : s.micros())
            {
                if (v > 0 && !Double.isNaN(v))
                {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        final double logMin = Math.floor(Math.log10(min));
        final double logMax = Math.ceil(Math.log10(max));
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        // y grid: 1-2-5 per decade
        for (double decade = logMin; decade <= logMax; decade++)
        {
            for (final int m : new int[] {1, 2, 5})
            {
                final double v = m * Math.pow(10, decade);
                final double lv = Math.log10(v);
                if (lv > logMax + 1e-9)
                {
                    continue;
                }
                final int y = TOP + plotH - (int)Math.round((lv - logMin) / (logMax - logMin) * plotH);
                g.setColor(m == 1 ? new Color(200, 200, 200) : new Color(235, 235, 235));
                g.drawLine(LEFT, y, LEFT + plotW, y);
                g.setColor(Color.DARK_GRAY);
                final String label = v >= 1 ? String.format("%.0f", v) : String.format("%.1f", v);
                g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
            }
        }
        // x axis: client counts, evenly spaced (log2)
        for (int i = 0; i < xs.length; i++)
        {
            final int x = xOf(i, xs.length, plotW);
            g.setColor(new Color(220, 220, 220));
            g.drawLine(x, TOP, x, TOP + plotH);
            g.setColor(Color.DARK_GRAY);
            final String label = Integer.toString(xs[i]);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, plotW, plotH);
        g.drawString("client processes", LEFT + plotW / 2 - 45, HEIGHT - 20);
        final Graphics2D rotated = (Graphics2D)g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString("round-trip latency (µs, log scale)", -(TOP + plotH / 2 + 100), 20);
        rotated.dispose();

        int legendY = TOP + 10;
        for (final Series s : series)
        {
            g.setColor(s.color());
            g.setStroke(s.dashed() ?
                new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f) :
                new BasicStroke(2f));
            final Path2D line = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < s.clients().length; i++)
            {
                final double v = s.micros()[i];
                if (!(v > 0))
                {
                    continue;
                }
                final int xi = indexOf(xs, s.clients()[i]);
                final int x = xOf(xi, xs.length, plotW);
                final int y = TOP + plotH - (int)Math.round((Math.log10(v) - logMin) / (logMax - logMin) * plotH);
                if (started)
                {
                    line.lineTo(x, y);
                }
                else
                {
                    line.moveTo(x, y);
                    started = true;
                }
                g.fillOval(x - 3, y - 3, 6, 6);
            }
            g.draw(line);
            g.drawLine(LEFT + plotW + 15, legendY, LEFT + plotW + 45, legendY);
            g.setColor(Color.BLACK);
            g.drawString(s.label(), LEFT + plotW + 52, legendY + 4);
            legendY += 20;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static int xOf(final int index, final int count, final int plotW)
    {
        return LEFT + 40 + (int)Math.round(index * (plotW - 80) / (double)Math.max(1, count - 1));
    }

    private static int indexOf(final int[] xs, final int value)
    {
        for (int i = 0; i < xs.length; i++)
        {
            if (xs[i] == value)
            {
                return i;
            }
        }
        return 0;
    }
}
