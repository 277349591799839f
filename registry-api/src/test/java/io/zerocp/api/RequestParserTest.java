package io.zerocp.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every request form the grammar accepts or refuses, as bytes on the wire. Requests are given as Java strings
 * encoded as ISO-8859-1 (one char, one byte) unless a case needs real UTF-8 bytes.
 */
class RequestParserTest
{
    private static final String NAME_64 = "a".repeat(64);
    private static final String NAME_65 = "a".repeat(65);
    private static final String NAME_300 = "b".repeat(300);
    private static final String TOKEN_256 = "t".repeat(RequestParser.MAX_TOKEN_LENGTH);
    private static final String TOKEN_257 = "t".repeat(RequestParser.MAX_TOKEN_LENGTH + 1);

    static Stream<Arguments> accepted()
    {
        return Stream.of(
            // The seed's table, exactly as its C client sends it, and as `echo ... | socat` sends it.
            ok("PING", Expect.of(Verb.PING)),
            ok("GET_SHM_PATH", Expect.of(Verb.GET_SHM_PATH)),
            ok("GET_SHM_SIZE", Expect.of(Verb.GET_SHM_SIZE)),
            ok("PING\n", Expect.of(Verb.PING)),
            ok("PING\r\n", Expect.of(Verb.PING)),
            ok("GET_SHM_PATH\n", Expect.of(Verb.GET_SHM_PATH)),
            ok("GET_SHM_SIZE\r\n", Expect.of(Verb.GET_SHM_SIZE)),

            // Named forms.
            ok("GET_SHM_PATH:video_buffer", Expect.of(Verb.GET_SHM_PATH).name("video_buffer")),
            ok("GET_SHM_PATH:audio_buffer\n", Expect.of(Verb.GET_SHM_PATH).name("audio_buffer")),
            ok("GET_SHM_PATH:cam.0-left_1\r\n", Expect.of(Verb.GET_SHM_PATH).name("cam.0-left_1")),
            ok("GET_SHM_PATH:zero_copy_framework", Expect.of(Verb.GET_SHM_PATH).name("zero_copy_framework")),
            ok("GET_SHM_PATH:0", Expect.of(Verb.GET_SHM_PATH).name("0")),
            ok("GET_SHM_PATH:Z9", Expect.of(Verb.GET_SHM_PATH).name("Z9")),
            ok("GET_SHM_PATH:a..b", Expect.of(Verb.GET_SHM_PATH).name("a..b")),
            ok("GET_SHM_PATH:a.", Expect.of(Verb.GET_SHM_PATH).name("a.")),
            ok("GET_SHM_PATH:" + NAME_64, Expect.of(Verb.GET_SHM_PATH).name(NAME_64)),
            ok("GET_SHM_SIZE:video_buffer", Expect.of(Verb.GET_SHM_SIZE).name("video_buffer")),

            // size=
            ok("GET_SHM_PATH:v,size=8192", Expect.of(Verb.GET_SHM_PATH).name("v").size(8192)),
            ok("GET_SHM_PATH:v,size=1", Expect.of(Verb.GET_SHM_PATH).name("v").size(1)),
            ok("GET_SHM_PATH:v,size=8192\n", Expect.of(Verb.GET_SHM_PATH).name("v").size(8192)),
            ok("GET_SHM_PATH:v,size=8192\r\n", Expect.of(Verb.GET_SHM_PATH).name("v").size(8192)),
            // Leading zeros are decimal, never octal: 010 is ten.
            ok("GET_SHM_PATH:v,size=010", Expect.of(Verb.GET_SHM_PATH).name("v").size(10)),
            ok("GET_SHM_PATH:v,size=0004096", Expect.of(Verb.GET_SHM_PATH).name("v").size(4096)),
            // The parser knows no configured maximum; the daemon checks that.
            ok("GET_SHM_PATH:v,size=9223372036854775807",
                Expect.of(Verb.GET_SHM_PATH).name("v").size(Long.MAX_VALUE)),

            // GET_SHM_FD
            ok("GET_SHM_FD", Expect.of(Verb.GET_SHM_FD)),
            ok("GET_SHM_FD:v", Expect.of(Verb.GET_SHM_FD).name("v")),
            ok("GET_SHM_FD:v,size=4096", Expect.of(Verb.GET_SHM_FD).name("v").size(4096)),
            ok("GET_SHM_FD:v,mode=ro", Expect.of(Verb.GET_SHM_FD).name("v").readOnly()),
            ok("GET_SHM_FD:v,mode=rw", Expect.of(Verb.GET_SHM_FD).name("v")),
            ok("GET_SHM_FD:v,size=4096,mode=ro", Expect.of(Verb.GET_SHM_FD).name("v").size(4096).readOnly()),
            ok("GET_SHM_FD:v,mode=ro,size=4096", Expect.of(Verb.GET_SHM_FD).name("v").size(4096).readOnly()),

            // REGISTER / RENEW / RELEASE / AUTH
            ok("REGISTER:process_id=1234", Expect.of(Verb.REGISTER).processId(1234)),
            ok("REGISTER:process_id=1\n", Expect.of(Verb.REGISTER).processId(1)),
            ok("REGISTER:process_id=2147483647", Expect.of(Verb.REGISTER).processId(Integer.MAX_VALUE)),
            ok("RENEW", Expect.of(Verb.RENEW)),
            ok("RELEASE", Expect.of(Verb.RELEASE)),
            ok("RELEASE\r\n", Expect.of(Verb.RELEASE)),
            ok("RELEASE:video_buffer", Expect.of(Verb.RELEASE).name("video_buffer")),
            ok("AUTH:token=s3cr3t", Expect.of(Verb.AUTH).token("s3cr3t")),
            ok("AUTH:token=a=b", Expect.of(Verb.AUTH).token("a=b")),
            ok("AUTH:token=" + TOKEN_256, Expect.of(Verb.AUTH).token(TOKEN_256)),
            ok("AUTH:token=s3cr3t\n", Expect.of(Verb.AUTH).token("s3cr3t")),

            // Admin verbs
            ok("LIST", Expect.of(Verb.LIST)),
            ok("LIST:offset=0", Expect.of(Verb.LIST).offset(0)),
            ok("LIST:offset=25", Expect.of(Verb.LIST).offset(25)),
            ok("LIST:offset=2147483647", Expect.of(Verb.LIST).offset(Integer.MAX_VALUE)),
            ok("CLIENTS", Expect.of(Verb.CLIENTS)),
            ok("CLIENTS:offset=3", Expect.of(Verb.CLIENTS).offset(3)),
            ok("STATS", Expect.of(Verb.STATS)),
            ok("DELETE:video_buffer", Expect.of(Verb.DELETE).name("video_buffer")));
    }

    static Stream<Arguments> refused()
    {
        return Stream.of(
            // Unknown verbs: the seed's reply.
            bad("", null, ErrorReply.UNKNOWN_COMMAND),
            bad("\n", null, ErrorReply.UNKNOWN_COMMAND),
            bad("\r\n", null, ErrorReply.UNKNOWN_COMMAND),
            bad("HELLO", null, ErrorReply.UNKNOWN_COMMAND),
            bad("ping", null, ErrorReply.UNKNOWN_COMMAND),
            bad("Ping", null, ErrorReply.UNKNOWN_COMMAND),
            bad("get_shm_path", null, ErrorReply.UNKNOWN_COMMAND),
            bad("get_shm_size", null, ErrorReply.UNKNOWN_COMMAND),
            bad("get_shm_path:video", null, ErrorReply.UNKNOWN_COMMAND),
            bad("register:process_id=1", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PIN", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PINGS", null, ErrorReply.UNKNOWN_COMMAND),
            bad(" PING", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PING ", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PING\0", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PING\r", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PING\n\r", null, ErrorReply.UNKNOWN_COMMAND),
            bad("GET_SHM_PATH,size=4096", null, ErrorReply.UNKNOWN_COMMAND),
            bad("GET_SHM_PATH video", null, ErrorReply.UNKNOWN_COMMAND),
            bad(":video", null, ErrorReply.UNKNOWN_COMMAND),

            // Only one trailing newline is ignored.
            bad("PING\n\n", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PING\r\n\r\n", null, ErrorReply.UNKNOWN_COMMAND),
            bad("PING\n\r\n", null, ErrorReply.UNKNOWN_COMMAND),
            bad("GET_SHM_PATH\n\n", null, ErrorReply.UNKNOWN_COMMAND),
            bad("GET_SHM_PATH:video\n\n", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:video\r\n\r\n", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:video\r", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:v,size=4096\n\n", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),

            // Verbs that take no argument.
            bad("PING:", Verb.PING, ErrorReply.INVALID_ARGUMENT),
            bad("PING:x", Verb.PING, ErrorReply.INVALID_ARGUMENT),
            bad("RENEW:x", Verb.RENEW, ErrorReply.INVALID_ARGUMENT),
            bad("RENEW:process_id=1", Verb.RENEW, ErrorReply.INVALID_ARGUMENT),
            bad("STATS:offset=0", Verb.STATS, ErrorReply.INVALID_ARGUMENT),

            // size=
            bad("GET_SHM_PATH:v,size=0", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=000", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=-1", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=-4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=+5", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=0x1000", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=1e3", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4k", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4096.0", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size= 4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4096 ", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4\u00b2", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=9223372036854775808", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=99999999999999999999", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=18446744073709555712", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,SIZE=4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),

            // Unknown keys, keys of another verb, repeated keys.
            bad("GET_SHM_PATH:v,color=red", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,mode=ro", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,process_id=1", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_SIZE:v,size=4096", Verb.GET_SHM_SIZE, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4096,size=4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4096,size=8192", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_FD:v,mode=ro,mode=ro", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_FD:v,mode=ro,mode=rw", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),

            // Empty keys and values, missing '=', empty elements.
            bad("GET_SHM_PATH:v,size=", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,=4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,=", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,\n", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,,size=4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4096,", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size=4096,,", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_PATH:v,size==4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_FD:v,mode=", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_FD:v,mode=RO", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_FD:v,mode=r", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_FD:v,mode=rox", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),
            bad("GET_SHM_FD:v,mode=wo", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),

            // Names: empty, traversal, hidden, option-like, separators, control and non-ASCII bytes, length.
            bad("GET_SHM_PATH:", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:\n", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:,size=4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:/", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a/b", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:/etc/passwd", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:..", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:.", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:../escape", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:../../tmp/escape", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a/../../escape", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a\\b", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:.hidden", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:-rf", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:_private", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a\0b", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a\0", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:\0", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a b", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH: a", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a ", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a\tb", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a\nb", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a:b", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a*", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a=b", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:a\u007f", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:caf\u00e9", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            badUtf8("GET_SHM_PATH:caf\u00e9", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            // Cyrillic 'а' and 'е' look like the Latin letters of "video".
            badUtf8("GET_SHM_PATH:vid\u0435o", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            badUtf8("GET_SHM_PATH:\u0430udio", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            // Fullwidth solidus and full stops: a path on some systems after normalisation.
            badUtf8("GET_SHM_PATH:a\uff0fb", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            badUtf8("GET_SHM_PATH:\uff0e\uff0e", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            // Overlong UTF-8 encodings of '/' and '.'.
            badBytes("GET_SHM_PATH:a", new byte[]{(byte)0xC0, (byte)0xAF}, "b", Verb.GET_SHM_PATH,
                ErrorReply.INVALID_NAME),
            badBytes("GET_SHM_PATH:", new byte[]{(byte)0xC0, (byte)0xAE, (byte)0xC0, (byte)0xAE}, "",
                Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            badUtf8("GET_SHM_PATH:a\u200bb", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:" + NAME_65, Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:" + NAME_65 + ",size=4096", Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_PATH:" + NAME_300, Verb.GET_SHM_PATH, ErrorReply.INVALID_NAME),
            bad("GET_SHM_SIZE:" + NAME_300, Verb.GET_SHM_SIZE, ErrorReply.INVALID_NAME),
            bad("GET_SHM_SIZE:", Verb.GET_SHM_SIZE, ErrorReply.INVALID_NAME),
            bad("GET_SHM_SIZE:../x", Verb.GET_SHM_SIZE, ErrorReply.INVALID_NAME),
            bad("GET_SHM_FD:", Verb.GET_SHM_FD, ErrorReply.INVALID_NAME),
            bad("GET_SHM_FD:../x,mode=ro", Verb.GET_SHM_FD, ErrorReply.INVALID_NAME),
            bad("GET_SHM_FD:v,size=4096,mode=ro,", Verb.GET_SHM_FD, ErrorReply.INVALID_ARGUMENT),

            // REGISTER
            bad("REGISTER", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER\n", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:1234", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=0", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=-1", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=+1", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=abc", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=2147483648", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=99999999999999999999", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=1,process_id=1", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=1,", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:process_id=1,size=5", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:pid=1", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:size=5", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),
            bad("REGISTER:video", Verb.REGISTER, ErrorReply.INVALID_ARGUMENT),

            // AUTH
            bad("AUTH", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:s3cr3t", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=a b", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=a\tb", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=a\0b", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=a\u007fb", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            badUtf8("AUTH:token=caf\u00e9", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=" + TOKEN_257, Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=a,token=b", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:token=a,", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),
            bad("AUTH:TOKEN=a", Verb.AUTH, ErrorReply.INVALID_ARGUMENT),

            // RELEASE
            bad("RELEASE:", Verb.RELEASE, ErrorReply.INVALID_NAME),
            bad("RELEASE:../x", Verb.RELEASE, ErrorReply.INVALID_NAME),
            bad("RELEASE:" + NAME_65, Verb.RELEASE, ErrorReply.INVALID_NAME),
            bad("RELEASE:v,size=4096", Verb.RELEASE, ErrorReply.INVALID_ARGUMENT),
            bad("RELEASE:v,", Verb.RELEASE, ErrorReply.INVALID_ARGUMENT),

            // LIST / CLIENTS / DELETE
            bad("LIST:", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("LIST:offset=", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("LIST:offset=-1", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("LIST:offset=x", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("LIST:offset=2147483648", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("LIST:offset=1,offset=2", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("LIST:video", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("LIST:size=1", Verb.LIST, ErrorReply.INVALID_ARGUMENT),
            bad("CLIENTS:offset=", Verb.CLIENTS, ErrorReply.INVALID_ARGUMENT),
            bad("DELETE", Verb.DELETE, ErrorReply.INVALID_NAME),
            bad("DELETE:", Verb.DELETE, ErrorReply.INVALID_NAME),
            bad("DELETE:..", Verb.DELETE, ErrorReply.INVALID_NAME),
            bad("DELETE:v,size=1", Verb.DELETE, ErrorReply.INVALID_ARGUMENT));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("accepted")
    void acceptsWellFormedRequest(final String label, final byte[] datagram, final Expect expect)
    {
        final Request request = RequestParser.parse(datagram, datagram.length, new Request());

        assertAll(label,
            () -> assertNull(request.error(), () -> "error for " + label + ": " + request),
            () -> assertTrue(request.isValid()),
            () -> assertSame(expect.verb, request.verb()),
            () -> assertEquals(expect.name, request.name()),
            () -> assertEquals(null != expect.name, request.hasName()),
            () -> assertEquals(expect.size, request.size()),
            () -> assertEquals(expect.readOnly, request.readOnly()),
            () -> assertEquals(expect.processId, request.processId()),
            () -> assertEquals(expect.token, tokenOf(request)),
            () -> assertEquals(expect.offset, request.offset()));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {3}")
    @MethodSource("refused")
    void refusesMalformedRequest(final String label, final byte[] datagram, final Verb verb, final ErrorReply error)
    {
        final Request request = RequestParser.parse(datagram, datagram.length, new Request());

        assertAll(label,
            () -> assertSame(error, request.error(), request::toString),
            () -> assertFalse(request.isValid()),
            () -> assertSame(verb, request.verb()));
    }

    @Test
    void readsOnlyTheGivenLengthOfTheBuffer()
    {
        final byte[] buffer = Arrays.copyOf(ascii("GET_SHM_PATH:video,size=8192"), 1025);
        Arrays.fill(buffer, 28, buffer.length, (byte)'x');

        final Request request = RequestParser.parse(buffer, 18, new Request());

        assertTrue(request.isValid(), request::toString);
        assertEquals("video", request.name());
        assertEquals(Request.ABSENT, request.size());
        assertSame(buffer, request.buffer());
        assertEquals(13, request.nameOffset());
        assertEquals(5, request.nameLength());
    }

    @Test
    void reusedRequestForgetsEverythingOfThePreviousParse()
    {
        final Request request = new Request();
        final byte[] first = ascii("GET_SHM_FD:video,size=8192,mode=ro");
        RequestParser.parse(first, first.length, request);
        assertTrue(request.readOnly());

        final byte[] second = ascii("GET_SHM_PATH");
        RequestParser.parse(second, second.length, request);

        assertTrue(request.isValid());
        assertSame(Verb.GET_SHM_PATH, request.verb());
        assertFalse(request.hasName());
        assertNull(request.name());
        assertEquals(Request.ABSENT, request.size());
        assertFalse(request.readOnly());

        final byte[] third = ascii("nope");
        RequestParser.parse(third, third.length, request);
        assertNull(request.verb());
        assertSame(ErrorReply.UNKNOWN_COMMAND, request.error());

        final byte[] fourth = ascii("AUTH:token=abc");
        RequestParser.parse(fourth, fourth.length, request);
        assertTrue(request.isValid());
        assertEquals("abc", tokenOf(request));

        RequestParser.parse(second, second.length, request);
        assertEquals(0, request.tokenLength());
        assertEquals(Request.ABSENT, request.processId());
        assertEquals(Request.ABSENT, request.offset());
    }

    @Test
    void errorRepliesAreTheDocumentedText()
    {
        assertEquals("ERROR: Unknown command", ErrorReply.UNKNOWN_COMMAND.text());
        assertEquals("ERROR: Invalid argument", ErrorReply.INVALID_ARGUMENT.text());
        assertEquals("ERROR: Invalid name", ErrorReply.INVALID_NAME.text());
        assertEquals("ERROR: Message too long", ErrorReply.MESSAGE_TOO_LONG.text());
        assertEquals("ERROR: No such region", ErrorReply.NO_SUCH_REGION.text());
        assertEquals("ERROR: Size mismatch", ErrorReply.SIZE_MISMATCH.text());
        assertEquals("ERROR: No space", ErrorReply.NO_SPACE.text());
        for (final ErrorReply e : ErrorReply.values())
        {
            assertEquals(e.text(), new String(e.bytes(), StandardCharsets.US_ASCII));
            assertSame(e, ErrorReply.fromReply(e.text()));
            assertTrue(Protocol.isError(e.text()));
        }
        assertNull(ErrorReply.fromReply("ERROR: something else"));
        assertFalse(Protocol.isError("PONG"));
    }

    private static String tokenOf(final Request request)
    {
        return request.tokenLength() == 0 ? null :
            new String(request.buffer(), request.tokenOffset(), request.tokenLength(), StandardCharsets.US_ASCII);
    }

    private static Arguments ok(final String request, final Expect expect)
    {
        return arguments(printable(request), ascii(request), expect);
    }

    private static Arguments bad(final String request, final Verb verb, final ErrorReply error)
    {
        return arguments(printable(request), ascii(request), verb, error);
    }

    private static Arguments badUtf8(final String request, final Verb verb, final ErrorReply error)
    {
        return arguments("utf8 " + printable(request), request.getBytes(StandardCharsets.UTF_8), verb, error);
    }

    private static Arguments badBytes(
        final String head, final byte[] middle, final String tail, final Verb verb, final ErrorReply error)
    {
        final byte[] h = ascii(head);
        final byte[] t = ascii(tail);
        final byte[] all = new byte[h.length + middle.length + t.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(middle, 0, all, h.length, middle.length);
        System.arraycopy(t, 0, all, h.length + middle.length, t.length);
        return arguments(printable(new String(all, StandardCharsets.ISO_8859_1)), all, verb, error);
    }

    private static byte[] ascii(final String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            if (s.charAt(i) > 0xFF)
            {
                throw new IllegalArgumentException("not one byte per char: " + s);
            }
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String printable(final String s)
    {
        final String shown = s.length() > 80 ? s.substring(0, 40) + "...(" + s.length() + " chars)" : s;
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shown.length(); i++)
        {
            final char c = shown.charAt(i);
            if (c < ' ' || c >= 0x7F)
            {
                sb.append(String.format("\\x%02x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        return '"' + sb.toString() + '"';
    }

    /** What a well-formed request must parse to; everything not set is absent. */
    static final class Expect
    {
        final Verb verb;
        String name;
        long size = Request.ABSENT;
        boolean readOnly;
        long processId = Request.ABSENT;
        String token;
        long offset = Request.ABSENT;

        private Expect(final Verb verb)
        {
            this.verb = verb;
        }

        static Expect of(final Verb verb)
        {
            return new Expect(verb);
        }

        Expect name(final String name)
        {
            this.name = name;
            return this;
        }

        Expect size(final long size)
        {
            this.size = size;
            return this;
        }

        Expect readOnly()
        {
            this.readOnly = true;
            return this;
        }

        Expect processId(final long processId)
        {
            this.processId = processId;
            return this;
        }

        Expect token(final String token)
        {
            this.token = token;
            return this;
        }

        Expect offset(final long offset)
        {
            this.offset = offset;
            return this;
        }

        @Override
        public String toString()
        {
            return verb + (null == name ? "" : ":" + name);
        }
    }
}
