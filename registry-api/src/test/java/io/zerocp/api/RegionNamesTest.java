package io.zerocp.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegionNamesTest
{
    @ParameterizedTest
    @ValueSource(strings = {
        "a", "Z", "0", "9", "video_buffer", "audio-buffer", "cam.0", "a..b", "a.", "a-", "a_", "A1_b2.c3-d4",
        "zero_copy_framework",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void validNames(final String name)
    {
        assertTrue(RegionNames.isValid(name), name);
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        assertTrue(RegionNames.isValid(bytes, 0, bytes.length), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", ".", "..", ".hidden", "-rf", "_x", "/", "a/b", "../x", "a/../b", "a\\b", "a b", " a", "a ", "a\tb",
        "a\0b", "\0", "a:b", "a,b", "a=b", "a*", "*", "a\u007f", "caf\u00e9", "vid\u0435o", "a\uff0fb", "\uff0e",
        "a\u200bb",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void invalidNames(final String name)
    {
        assertFalse(RegionNames.isValid(name), name);
        final byte[] latin1 = name.getBytes(StandardCharsets.ISO_8859_1);
        final byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        assertFalse(RegionNames.isValid(latin1, 0, latin1.length), name);
        assertFalse(RegionNames.isValid(utf8, 0, utf8.length), name);
    }

    @Test
    void lengthLimitIsSixtyFour()
    {
        assertEquals(64, RegionNames.MAX_LENGTH);
        assertTrue(RegionNames.isValid("x".repeat(64)));
        assertFalse(RegionNames.isValid("x".repeat(65)));
        assertFalse(RegionNames.isValid("x".repeat(300)));
        assertFalse(RegionNames.isValid((CharSequence)null));
    }

    @Test
    void byteFormChecksOnlyTheGivenSlice()
    {
        final byte[] buffer = "../video_buffer,size=1".getBytes(StandardCharsets.US_ASCII);

        assertTrue(RegionNames.isValid(buffer, 3, 12));
        assertFalse(RegionNames.isValid(buffer, 0, 15));
        assertFalse(RegionNames.isValid(buffer, 3, 13));
        assertFalse(RegionNames.isValid(buffer, 3, 0));
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
        "video_*, video_1, true",
        "video_*, video_, true",
        "video_*, video_left.0, true",
        "video_*, video, false",
        "video_*, audio_1, false",
        "video_*, xvideo_1, false",
        "*, a, true",
        "*, zero_copy_framework, true",
        "*_cam, left_cam, true",
        "*_cam, left_cam2, false",
        "a*b*c, abc, true",
        "a*b*c, a1b2c, true",
        "a*b*c, a1b2c3, false",
        "a*b*c, acb, false",
        "**, x, true",
        "exact, exact, true",
        "exact, exact2, false",
        "exact, exac, false",
        "v*, v, true",
        "*v, v, true",
        "a*a, a, false",
        "a*a, aa, true",
    })
    void matchesWildcards(final String pattern, final String name, final boolean expected)
    {
        assertEquals(expected, RegionNames.matches(pattern, name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "**", "video_*", "*_cam", "a*b*c", "exact", "a.b-c_d", "0*"})
    void validPatterns(final String pattern)
    {
        assertTrue(RegionNames.isValidPattern(pattern), pattern);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b*", "../*", "*/x", "a b", "a,b", "a?", "[ab]", "a\0", "caf\u00e9*",
        "*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void invalidPatterns(final String pattern)
    {
        assertFalse(RegionNames.isValidPattern(pattern), pattern);
    }

    @Test
    void nullPatternIsInvalid()
    {
        assertFalse(RegionNames.isValidPattern(null));
    }
}
