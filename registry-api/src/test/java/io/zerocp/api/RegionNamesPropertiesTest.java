package io.zerocp.api;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The name grammar and the wildcard match used by token patterns.
 */
class RegionNamesPropertiesTest
{
    @Property(tries = 5000)
    void wildcardMatchAgreesWithARegex(@ForAll("patterns") final String pattern, @ForAll("names") final String name)
    {
        final StringBuilder regex = new StringBuilder();
        for (final char c : pattern.toCharArray())
        {
            regex.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
        }
        assertEquals(name.matches(regex.toString()), RegionNames.matches(pattern, name), pattern + " ~ " + name);
    }

    @Property(tries = 3000)
    void byteAndStringChecksAgree(@ForAll("anyText") final String text)
    {
        final byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(RegionNames.isValid(text), RegionNames.isValid(bytes, 0, bytes.length), text);
    }

    @Test
    @Timeout(60) // a liveness bound, not a timing: the old backtracking match would run for hours here
    void manyStarsAgainstALongNameFinish()
    {
        final String name = "a".repeat(RegionNames.MAX_LENGTH);
        assertFalse(RegionNames.matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", name));
        assertTrue(RegionNames.matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", name));
        assertTrue(RegionNames.matches("*", name));
        assertFalse(RegionNames.matches("a", name));
    }

    @Provide
    Arbitrary<String> patterns()
    {
        return Arbitraries.strings().withChars('a', 'b', '_', '*').ofMinLength(1).ofMaxLength(12);
    }

    @Provide
    Arbitrary<String> names()
    {
        return Arbitraries.strings().withChars('a', 'b', '_').ofMinLength(1).ofMaxLength(24);
    }

    @Provide
    Arbitrary<String> anyText()
    {
        return Arbitraries.oneOf(
            Arbitraries.strings().withCharRange('\0', '\u00ff').ofMaxLength(70),
            Arbitraries.strings().withChars("abcXYZ019_.-/*\0 ").ofMaxLength(70));
    }
}
