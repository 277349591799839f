package io.zerocp.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The part of docs/benchmarks.md that {@code run.sh --update-docs} writes: everything between the two marker lines,
 * replaced by the fresh report (whose first table is the targets). Nothing outside the markers is touched, so the
 * hand-written sections and older runs below stay.
 */
final class GeneratedSection
{
    static final String BEGIN = "<!-- BEGIN GENERATED: benchmarks/run.sh --update-docs writes from here -->";
    static final String END = "<!-- END GENERATED -->";

    private GeneratedSection()
    {
    }

    static void replace(final Path doc, final String report) throws IOException
    {
        final String text = Files.readString(doc);
        final int begin = text.indexOf(BEGIN);
        final int end = text.indexOf(END);
        if (begin < 0 || end < begin)
        {
            throw new IllegalStateException(doc + " has no generated section: put the lines\n" + BEGIN + "\n" + END +
                "\nwhere the report should go");
        }
        final String body = report.strip();
        Files.writeString(doc, text.substring(0, begin + BEGIN.length()) + "\n\n" + body + "\n\n" +
            text.substring(end));
    }
}
