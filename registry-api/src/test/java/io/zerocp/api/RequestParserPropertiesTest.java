package io.zerocp.api;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of {@link RequestParser} over generated input: it never throws, every result is either valid or carries
 * an error, whatever it accepts is within the grammar, and every valid request it is given comes back as it was.
 */
class RequestParserPropertiesTest
{
    private static final String NAME_CHARS =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

    @Property(tries = 3000)
    void neverThrowsAndEveryResultIsValidOrAnError(@ForAll @Size(max = 1100) final byte[] bytes)
    {
        final Request request = RequestParser.parse(bytes, bytes.length, new Request());
        assertConsistent(request, bytes.length);
    }

    @Property(tries = 3000)
    void neverThrowsOnProtocolShapedNoise(@ForAll("protocolNoise") final byte[] bytes)
    {
        final Request request = RequestParser.parse(bytes, bytes.length, new Request());
        assertConsistent(request, bytes.length);
    }

    @Property(tries = 1000)
    void readsOnlyTheGivenLength(@ForAll("protocolNoise") final byte[] bytes, @ForAll @Size(max = 64) final byte[] tail)
    {
        final byte[] padded = Arrays.copyOf(bytes, bytes.length + tail.length);
        System.arraycopy(tail, 0, padded, bytes.length, tail.length);
        assertEquals(
            describe(RequestParser.parse(bytes, bytes.length, new Request())),
            describe(RequestParser.parse(padded, bytes.length, new Request())));
    }

    @Property(tries = 1000)
    void aReusedRequestForgetsThePreviousOne(@ForAll("validRequests") final String first,
        @ForAll("protocolNoise") final byte[] second)
    {
        final Request reused = new Request();
        RequestParser.parse(first.getBytes(StandardCharsets.US_ASCII), first.length(), reused);
        RequestParser.parse(second, second.length, reused);
        assertEquals(describe(RequestParser.parse(second, second.length, new Request())), describe(reused));
    }

    @Property(tries = 3000)
    void validRequestsRoundTrip(@ForAll("specs") final Spec spec, @ForAll("lineEnds") final String lineEnd)
    {
        final byte[] bytes = (spec.render() + lineEnd).getBytes(StandardCharsets.US_ASCII);
        final Request request = RequestParser.parse(bytes, bytes.length, new Request());
        assertNull(request.error(), () -> spec.render() + " -> " + request);
        assertEquals(spec.verb, request.verb());
        assertEquals(spec.name, request.name());
        assertEquals(spec.size, request.size());
        assertEquals(spec.readOnly, request.readOnly());
        assertEquals(spec.processId, request.processId());
        assertEquals(spec.offset, request.offset());
        if (null == spec.token)
        {
            assertEquals(0, request.tokenLength());
        }
        else
        {
            assertEquals(spec.token,
                new String(bytes, request.tokenOffset(), request.tokenLength(), StandardCharsets.US_ASCII));
        }
    }

    @Property(tries = 2000)
    void aValidRequestWithAByteChangedIsStillValidOrAnError(
        @ForAll("specs") final Spec spec, @ForAll @IntRange(max = 10_000) final int at, @ForAll final byte value)
    {
        final byte[] bytes = spec.render().getBytes(StandardCharsets.US_ASCII);
        bytes[at % bytes.length] = value;
        assertConsistent(RequestParser.parse(bytes, bytes.length, new Request()), bytes.length);
    }

    private static void assertConsistent(final Request request, final int length)
    {
        if (!request.isValid())
        {
            assertNotNull(request.error());
            if (null == request.verb())
            {
                assertEquals(ErrorReply.UNKNOWN_COMMAND, request.error());
            }
            return;
        }
        assertNull(request.error());
        assertNotNull(request.verb(), "a valid request has a verb");
        if (request.hasName())
        {
            assertTrue(request.nameOffset() > 0 && request.nameOffset() + request.nameLength() <= length);
            assertTrue(RegionNames.isValid(request.name()), request.name());
        }
        assertTrue(request.size() == Request.ABSENT || request.size() > 0);
        assertTrue(request.processId() == Request.ABSENT ||
            (request.processId() > 0 && request.processId() <= Integer.MAX_VALUE));
        assertTrue(request.offset() == Request.ABSENT || (request.offset() >= 0 && request.offset() <= Integer.MAX_VALUE));
        if (request.verb() == Verb.AUTH)
        {
            assertTrue(request.tokenLength() > 0 && request.tokenLength() <= RequestParser.MAX_TOKEN_LENGTH);
            assertTrue(request.tokenOffset() + request.tokenLength() <= length);
            for (int i = 0; i < request.tokenLength(); i++)
            {
                final int c = request.buffer()[request.tokenOffset() + i] & 0xFF;
                assertTrue(c > ' ' && c < 0x7F, "token bytes are printable ASCII");
            }
        }
        if (request.verb() == Verb.REGISTER)
        {
            assertTrue(request.processId() > 0, "REGISTER needs a process id");
        }
    }

    private static String describe(final Request r)
    {
        final String token = r.tokenLength() == 0 ? null :
            new String(r.buffer(), r.tokenOffset(), r.tokenLength(), StandardCharsets.ISO_8859_1);
        return r + " token=" + token;
    }

    @Provide
    Arbitrary<byte[]> protocolNoise()
    {
        final Arbitrary<String> pieces = Arbitraries.oneOf(
            Arbitraries.of(Verb.values()).map(Verb::name),
            Arbitraries.of(":", ",", "=", "size", "mode", "ro", "rw", "process_id", "token", "offset", "\n", "\r",
                "\0", "..", "/", "*", "-", "0", "9223372036854775808", "4096", " ", "\u00e9"),
            names(),
            Arbitraries.strings().ofMaxLength(8));
        return pieces.list().ofMaxSize(12)
            .map(list -> String.join("", list).getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<String> validRequests()
    {
        return specs().map(Spec::render);
    }

    @Provide
    Arbitrary<String> lineEnds()
    {
        return Arbitraries.of("", "\n", "\r\n");
    }

    @Provide
    Arbitrary<Spec> specs()
    {
        final Arbitrary<String> name = names();
        final Arbitrary<Long> size = Arbitraries.oneOf(Arbitraries.longs().between(1, Long.MAX_VALUE),
            Arbitraries.longs().between(1, 1 << 20));
        final Arbitrary<Long> pid = Arbitraries.longs().between(1, Integer.MAX_VALUE);
        final Arbitrary<Long> offset = Arbitraries.longs().between(0, Integer.MAX_VALUE);
        final Arbitrary<String> token = Arbitraries.strings().withCharRange('!', '~')
            .ofMinLength(1).ofMaxLength(RequestParser.MAX_TOKEN_LENGTH).filter(t -> t.indexOf(',') < 0);
        return Arbitraries.oneOf(
            Arbitraries.of(Verb.PING, Verb.RENEW, Verb.STATS, Verb.RELEASE, Verb.LIST, Verb.CLIENTS,
                Verb.GET_SHM_PATH, Verb.GET_SHM_SIZE, Verb.GET_SHM_FD).map(v -> new Spec(v)),
            Combinators.combine(Arbitraries.of(Verb.GET_SHM_PATH, Verb.GET_SHM_SIZE, Verb.RELEASE, Verb.DELETE,
                Verb.GET_SHM_FD), name).as((v, n) -> new Spec(v).name(n)),
            Combinators.combine(name, size).as((n, s) -> new Spec(Verb.GET_SHM_PATH).name(n).size(s)),
            Combinators.combine(name, size.injectNull(0.3), Arbitraries.of("ro", "rw").injectNull(0.3),
                Arbitraries.of(true, false)).as((n, s, m, modeFirst) ->
                new Spec(Verb.GET_SHM_FD).name(n).size(null == s ? Request.ABSENT : s).mode(m, modeFirst)),
            pid.map(p -> new Spec(Verb.REGISTER).processId(p)),
            token.map(t -> new Spec(Verb.AUTH).token(t)),
            Combinators.combine(Arbitraries.of(Verb.LIST, Verb.CLIENTS), offset)
                .as((v, o) -> new Spec(v).offset(o)));
    }

    private static Arbitrary<String> names()
    {
        return Combinators.combine(
            Arbitraries.strings().withChars(NAME_CHARS.substring(0, 62)).ofLength(1),
            Arbitraries.strings().withChars(NAME_CHARS).ofMaxLength(RegionNames.MAX_LENGTH - 1))
            .as((first, rest) -> first + rest);
    }

    /** A valid request as fields, and its one canonical spelling (key order aside). */
    static final class Spec
    {
        final Verb verb;
        String name;
        long size = Request.ABSENT;
        boolean readOnly;
        String mode;
        boolean modeFirst;
        long processId = Request.ABSENT;
        String token;
        long offset = Request.ABSENT;

        Spec(final Verb verb)
        {
            this.verb = verb;
        }

        Spec name(final String name)
        {
            this.name = name;
            return this;
        }

        Spec size(final long size)
        {
            this.size = size;
            return this;
        }

        Spec mode(final String mode, final boolean modeFirst)
        {
            this.mode = mode;
            this.readOnly = "ro".equals(mode);
            this.modeFirst = modeFirst;
            return this;
        }

        Spec processId(final long processId)
        {
            this.processId = processId;
            return this;
        }

        Spec token(final String token)
        {
            this.token = token;
            return this;
        }

        Spec offset(final long offset)
        {
            this.offset = offset;
            return this;
        }

        String render()
        {
            final StringBuilder sb = new StringBuilder(verb.name());
            final StringBuilder args = new StringBuilder();
            if (null != name)
            {
                args.append(name);
            }
            final String sizeArg = size == Request.ABSENT ? null : "size=" + size;
            final String modeArg = null == mode ? null : "mode=" + mode;
            for (final String arg : modeFirst ? new String[] {modeArg, sizeArg} : new String[] {sizeArg, modeArg})
            {
                if (null != arg)
                {
                    args.append(args.length() > 0 ? "," : "").append(arg);
                }
            }
            if (processId != Request.ABSENT)
            {
                args.append("process_id=").append(processId);
            }
            if (null != token)
            {
                args.append("token=").append(token);
            }
            if (offset != Request.ABSENT)
            {
                args.append("offset=").append(offset);
            }
            if (args.length() > 0)
            {
                sb.append(':').append(args);
            }
            return sb.toString();
        }

        @Override
        public String toString()
        {
            return render();
        }
    }
}
