package io.zerocp.benchmarks;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Latency percentiles against client count as a PNG, drawn with XChart: one line per server and percentile, log-scale
 * y axis, client counts evenly spaced (the x axis is log2 of the count, labelled with the counts).
 */
final class Plot
{
    /** One line: a label, a colour, a dash, and a latency in microseconds per client count. */
    record Series(String label, Color color, boolean dashed, int[] clients, double[] micros)
    {
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    private Plot()
    {
    }

    static void write(final Path file, final String title, final List<Series> series)
        throws IOException
    {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("client processes").yAxisTitle("round-trip latency (µs, log scale)").build();
        final XYStyler styler = chart.getStyler();
        // Whole decades, so the log axis has a labelled line at each end; x ticks fall on the data (the formatter).
        styler.setYAxisLogarithmic(true)
            .setYAxisMin(Math.pow(10, Math.floor(Math.log10(extreme(series, true)))))
            .setYAxisMax(Math.pow(10, Math.ceil(Math.log10(extreme(series, false)))))
            .setYAxisDecimalPattern("#,##0.#")
            .setPlotGridLinesColor(new Color(220, 220, 220))
            .setMarkerSize(6)
            .setChartBackgroundColor(Color.WHITE)
            .setPlotBackgroundColor(Color.WHITE)
            .setPlotBorderColor(Color.BLACK)
            .setLegendPosition(Styler.LegendPosition.OutsideE)
            .setLegendBorderColor(Color.WHITE)
            .setChartTitleBoxVisible(false)
            .setAntiAlias(true);
        chart.setCustomXAxisTickLabelsFormatter(Plot::clientLabel);

        for (final Series s : series)
        {
            final List<Double> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (int i = 0; i < s.clients().length; i++)
            {
                if (s.micros()[i] > 0) // NaN and missing runs are left out
                {
                    x.add(log2(s.clients()[i]));
                    y.add(s.micros()[i]);
                }
            }
            if (x.isEmpty())
            {
                continue;
            }
            final XYSeries line = chart.addSeries(s.label(), x, y);
            line.setMarker(SeriesMarkers.CIRCLE);
            line.setMarkerColor(s.color());
            line.setLineColor(s.color());
            line.setLineStyle(s.dashed() ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
        }
        try (OutputStream out = Files.newOutputStream(file))
        {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /** @return the smallest (or largest) latency drawn. */
    private static double extreme(final List<Series> series, final boolean min)
    {
        double extreme = min ? Double.MAX_VALUE : 0;
        for (final Series s : series)
        {
            for (final double v : s.micros())
            {
                if (v > 0)
                {
                    extreme = min ? Math.min(extreme, v) : Math.max(extreme, v);
                }
            }
        }
        return extreme == Double.MAX_VALUE || extreme == 0 ? 1 : extreme;
    }

    private static double log2(final int clients)
    {
        return Math.log(clients) / Math.log(2);
    }

    /** The client count at a whole log2 tick; other ticks stay unlabelled. */
    private static String clientLabel(final double log2)
    {
        final long rounded = Math.round(log2);
        return Math.abs(log2 - rounded) < 1e-6 && rounded >= 0 ? Long.toString(1L << rounded) : "";
    }
}
