package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.testkit.TestDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ConfigLoaderTest
{
    private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    static Stream<Arguments> badConfigs()
    {
        return Stream.of(
            // Unknown keys, named with their full path.
            arguments("{\"lease-ttl\": 5}", "unknown key 'lease-ttl'"),
            arguments("{\"leaseTtlMs\": 5}", "unknown key 'leaseTtlMs'"),
            arguments("{\"tokens\": [{\"id\": \"a\", \"sha256\": \"" + HASH + "\", \"maxRegions\": 1}]}",
                "unknown key 'tokens[0].maxRegions'"),
            arguments("{\"regions\": [{\"name\": \"a\"}, {\"name\": \"b\", \"sise\": 5}]}",
                "unknown key 'regions[1].sise'"),
            arguments("{\"region-modes\": [{\"pattern\": \"a*\", \"perm\": \"0600\"}]}",
                "unknown key 'region-modes[0].perm'"),

            // Credential rules.
            arguments("{\"credentials\": [{\"allow\": [\"a*\"]}]}",
                "credentials[0] must name exactly one of uid, user, gid or group"),
            arguments("{\"credentials\": [{\"uid\": 1, \"group\": \"root\"}]}",
                "credentials[0] must name exactly one of uid, user, gid or group"),
            arguments("{\"credentials\": [{\"user\": \"no-such-user-zq\"}]}",
                "credentials[0].user: no user 'no-such-user-zq' in /etc/passwd"),
            arguments("{\"credentials\": [{\"group\": \"no-such-group-zq\"}]}",
                "credentials[0].group: no group 'no-such-group-zq' in /etc/group"),
            arguments("{\"credentials\": [{\"uid\": -1}]}", "credentials[0].uid must be a uid or gid"),
            arguments("{\"credentials\": [{\"uid\": 5, \"token\": \"nope\"}]}",
                "credentials[0].token 'nope' is not the id of a configured token"),
            arguments("{\"credentials\": [{\"gid\": 5, \"allow\": [\"../x\"]}]}", "credentials[0].allow[0] '../x'"),
            arguments("{\"credentials\": [{\"uid\": 5, \"max-bytes\": 0}]}", "credentials[0].max-bytes"),
            arguments("{\"credentials\": [{\"uid\": 5, \"writable\": true}]}",
                "unknown key 'credentials[0].writable'"),
            arguments("{\"transport\": \"fast\"}", "transport must be auto, native or junixsocket"),

            // Per-uid shares and the descriptor cache.
            arguments("{\"max-regions-per-uid\": 0}", "max-regions-per-uid must be positive"),
            arguments("{\"journal-share-per-uid\": 0}", "journal-share-per-uid must be a percent from 1 to 100"),
            arguments("{\"journal-share-per-uid\": 101}", "journal-share-per-uid must be a percent from 1 to 100"),
            arguments("{\"max-unheld-regions\": -1}", "max-unheld-regions must be positive"),
            arguments("{\"max-kept-descriptors\": 1}", "max-kept-descriptors must be at least 2"),

            // Patterns.
            arguments("{\"private-regions\": [\"ok_*\", \"a/b\"]}", "private-regions[1] 'a/b'"),
            arguments("{\"private-regions\": [\"\"]}", "private-regions[0]"),
            arguments("{\"private-regions\": [null]}", "private-regions[0]"),
            arguments("{\"tokens\": [{\"id\": \"a\", \"sha256\": \"" + HASH + "\", \"allow\": [\"v_*\", \"../*\"]}]}",
                "tokens[0].allow[1] '../*'"),
            arguments("{\"region-modes\": [{\"pattern\": \"a b\", \"mode\": \"0660\"}]}",
                "region-modes[0].pattern 'a b'"),
            arguments("{\"region-modes\": [{\"pattern\": \"x*\", \"mode\": \"0660\", \"group\": \"a/b\"}]}",
                "region-modes[0].group 'a/b'"),
            arguments("{\"regions\": [{\"name\": \"../escape\"}]}", "regions[0].name"),
            arguments("{\"regions\": [{\"name\": \"x*\"}]}", "regions[0].name"),
            arguments("{\"regions\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}", "regions[1].name 'a' is listed twice"),

            // Token hashes and ids.
            arguments(token("\"sha256\": \"" + HASH.substring(1) + "\""), "tokens[0].sha256"),
            arguments(token("\"sha256\": \"" + HASH + "0\""), "tokens[0].sha256"),
            arguments(token("\"sha256\": \"" + HASH.replace('f', 'g') + "\""), "tokens[0].sha256"),
            arguments(token("\"sha256\": \"sha256:" + HASH.substring(7) + "\""), "tokens[0].sha256"),
            arguments("{\"tokens\": [{\"id\": \"a\"}]}", "tokens[0].sha256"),
            arguments("{\"tokens\": [{\"sha256\": \"" + HASH + "\"}]}", "tokens[0].id"),
            arguments("{\"tokens\": [{\"id\": \"a b\", \"sha256\": \"" + HASH + "\"}]}", "tokens[0].id"),
            arguments("{\"tokens\": [{\"id\": \"a\", \"sha256\": \"" + HASH + "\"}, {\"id\": \"a\", \"sha256\": \"" +
                HASH + "\"}]}", "tokens[1].id 'a' is used twice"),
            arguments("{\"tokens\": [null]}", "tokens[0]"),

            // Modes.
            arguments("{\"socket-mode\": \"0800\"}", "socket-mode '0800'"),
            arguments("{\"socket-mode\": \"rw-------\"}", "socket-mode 'rw-------'"),
            arguments("{\"socket-mode\": \"01777\"}", "socket-mode '01777'"),
            arguments("{\"socket-mode\": \"7777\"}", "socket-mode '7777'"),
            arguments("{\"socket-mode\": \"\"}", "socket-mode ''"),
            arguments("{\"socket-mode\": \"-600\"}", "socket-mode '-600'"),
            arguments("{\"region-mode\": \"8\"}", "region-mode '8'"),
            arguments("{\"region-modes\": [{\"pattern\": \"a*\", \"mode\": \"abc\"}]}", "region-modes[0].mode 'abc'"),
            arguments("{\"region-modes\": [{\"pattern\": \"a*\"}]}", "region-modes[0].mode"),

            // Numbers that must be positive (or not negative).
            arguments("{\"lease-ttl-ms\": 0}", "lease-ttl-ms must be positive, not 0"),
            arguments("{\"lease-ttl-ms\": -1}", "lease-ttl-ms must be positive, not -1"),
            arguments("{\"linger-ms\": -1}", "linger-ms must not be negative, not -1"),
            arguments("{\"liveness-poll-ms\": 0}", "liveness-poll-ms"),
            arguments("{\"default-region-size\": 0}", "default-region-size"),
            arguments("{\"max-region-size\": -4096}", "max-region-size"),
            arguments("{\"default-region-size\": 8192, \"max-region-size\": 4096}", "default-region-size 8192"),
            arguments("{\"auth-failures-per-sender\": 0}", "auth-failures-per-sender"),
            arguments("{\"auth-failures-global\": -1}", "auth-failures-global"),
            arguments("{\"auth-failure-window-ms\": 0}", "auth-failure-window-ms"),
            arguments("{\"metrics-port\": -1}", "metrics-port"),
            arguments("{\"metrics-port\": 65536}", "metrics-port"),
            arguments("{\"regions\": [{\"name\": \"a\", \"size\": 0}]}", "regions[0].size"),
            arguments("{\"regions\": [{\"name\": \"a\", \"size\": -1}]}", "regions[0].size"),
            arguments("{\"max-region-size\": 4096, \"regions\": [{\"name\": \"a\", \"size\": 8192}]}",
                "regions[0].size 8192 is above max-region-size"),
            arguments(token("\"sha256\": \"" + HASH + "\", \"max-regions\": 0"), "tokens[0].max-regions"),
            arguments(token("\"sha256\": \"" + HASH + "\", \"max-bytes\": -1"), "tokens[0].max-bytes"),
            arguments(token("\"sha256\": \"" + HASH + "\", \"max-region-size\": 0"), "tokens[0].max-region-size"),

            // Not JSON, or JSON of the wrong shape.
            arguments("", "not valid JSON"),
            arguments("{", "not valid JSON"),
            arguments("{\"lease-ttl-ms\": }", "not valid JSON"),
            arguments("{\"lease-ttl-ms\": 5,}", "not valid JSON"),
            arguments("{} {}", "not valid JSON"),
            arguments("{\"lease-ttl-ms\": \"soon\"}", "bad value for 'lease-ttl-ms'"),
            arguments("{\"lease-ttl-ms\": 99999999999999999999}", "lease-ttl-ms"),
            arguments("{\"tokens\": {}}", "bad value for 'tokens'"),
            arguments("{\"regions\": [{\"name\": \"a\", \"size\": \"big\"}]}", "bad value for 'regions[0].size'"),
            arguments("{\"tokens\": [{\"id\": \"a\", \"sha256\": \"" + HASH + "\", \"admin\": \"yes\"}]}",
                "bad value for 'tokens[0].admin'"),
            arguments("[]", "config"),
            arguments("null", "config"),
            arguments("42", "config"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badConfigs")
    void badConfigIsAConfigExceptionNamingTheKey(final String json, final String expected)
    {
        final ConfigException ex = assertThrows(ConfigException.class,
            () -> ConfigLoader.parse(json, ConfigLoader.Overrides.none()));

        assertAll(
            () -> assertTrue(ex.getMessage().contains(expected), () -> "message: " + ex.getMessage()),
            () -> assertFalse(ex.getMessage().contains("\n"), () -> "one line: " + ex.getMessage()),
            () -> assertEquals(0, ex.getStackTrace().length, "no stack trace for the operator"));
    }

    @Test
    void fullValidConfigParses() throws ConfigException
    {
        final String json = String.join("\n",
            "{",
            "  \"socket\": \"/run/zerocp/zerocpd.sock\",",
            "  \"socket-mode\": \"0660\",",
            "  \"shm-dir\": \"/dev/shm/zerocp\",",
            "  \"state-dir\": \"/var/lib/zerocp\",",
            "  \"default-region-size\": 8192,",
            "  \"max-region-size\": 1048576,",
            "  \"lease-ttl-ms\": 2500,",
            "  \"linger-ms\": 0,",
            "  \"liveness-poll-ms\": 25,",
            "  \"region-mode\": \"0640\",",
            "  \"region-modes\": [{\"pattern\": \"video_*\", \"mode\": \"0660\", \"group\": \"video\"},",
            "                    {\"pattern\": \"audio_*\", \"mode\": \"600\"}],",
            "  \"regions\": [{\"name\": \"frames\", \"size\": 65536}, {\"name\": \"status\"}],",
            "  \"private-regions\": [\"secret_*\"],",
            "  \"tokens\": [",
            "    {\"id\": \"camera\", \"sha256\": \"" + HASH + "\", \"allow\": [\"video_*\", \"frames\"],",
            "     \"create\": false, \"admin\": false, \"max-regions\": 4, \"max-bytes\": 262144,",
            "     \"max-region-size\": 65536},",
            "    {\"id\": \"ops\", \"sha256\": \"" + HASH.toUpperCase() + "\", \"admin\": true}",
            "  ],",
            "  \"auth-failures-per-sender\": 3,",
            "  \"auth-failures-global\": 30,",
            "  \"auth-failure-window-ms\": 60000,",
            "  \"metrics-port\": 9464,",
            "  \"max-regions-per-uid\": 100, \"journal-share-per-uid\": 10, \"max-unheld-regions\": 50,",
            "  \"max-kept-descriptors\": 64",
            "}");

        final DaemonConfig c = ConfigLoader.parse(json, ConfigLoader.Overrides.none());

        assertAll(
            () -> assertEquals(Paths.get("/run/zerocp/zerocpd.sock"), c.socketPath()),
            () -> assertEquals("rw-rw----", PosixFilePermissions.toString(c.socketMode)),
            () -> assertEquals(Paths.get("/dev/shm/zerocp"), c.shmDir()),
            () -> assertEquals(Paths.get("/var/lib/zerocp"), c.stateDir()),
            () -> assertEquals(8192, c.defaultRegionSize),
            () -> assertEquals(1048576, c.maxRegionSize),
            () -> assertEquals(2500, c.leaseTtlMs()),
            () -> assertEquals(0, c.lingerMs),
            () -> assertEquals(25, c.livenessPollMs),
            () -> assertEquals("rw-r-----", PosixFilePermissions.toString(c.regionMode)),
            () -> assertEquals(2, c.regionModes.size()),
            () -> assertEquals("video_*", c.regionModes.get(0).pattern()),
            () -> assertEquals("rw-rw----", PosixFilePermissions.toString(c.regionModes.get(0).mode())),
            () -> assertEquals("video", c.regionModes.get(0).group()),
            () -> assertEquals("rw-------", PosixFilePermissions.toString(c.regionModes.get(1).mode())),
            () -> assertEquals(null, c.regionModes.get(1).group()),
            () -> assertEquals(List.of(new DaemonConfig.StaticRegion("frames", 65536),
                new DaemonConfig.StaticRegion("status", 8192)), c.staticRegions),
            () -> assertEquals(List.of("secret_*"), c.privateRegions),
            () -> assertEquals(2, c.tokens.size()),
            () -> assertEquals("camera", c.tokens.get(0).id),
            () -> assertArrayEquals(java.util.HexFormat.of().parseHex(HASH), c.tokens.get(0).sha256),
            () -> assertArrayEquals(java.util.HexFormat.of().parseHex(HASH), c.tokens.get(1).sha256),
            () -> assertEquals(List.of("video_*", "frames"), c.tokens.get(0).allow),
            () -> assertFalse(c.tokens.get(0).mayCreate),
            () -> assertFalse(c.tokens.get(0).admin),
            () -> assertEquals(4, c.tokens.get(0).maxRegions),
            () -> assertEquals(262144, c.tokens.get(0).maxBytes),
            () -> assertEquals(65536, c.tokens.get(0).maxRegionSize),
            () -> assertTrue(c.tokens.get(1).mayCreate, "create defaults to true"),
            () -> assertTrue(c.tokens.get(1).admin),
            () -> assertEquals(Long.MAX_VALUE, c.tokens.get(1).maxRegions),
            () -> assertEquals(3, c.authFailuresPerSender),
            () -> assertEquals(30, c.authFailuresGlobal),
            () -> assertEquals(60000, c.authFailureWindowMs),
            () -> assertEquals(9464, c.metricsPort),
            () -> assertEquals(100, c.maxRegionsPerUid),
            () -> assertEquals(10, c.journalSharePerUid),
            () -> assertEquals(50, c.maxUnheldRegions),
            () -> assertEquals(64, c.maxKeptDescriptors));
    }

    @Test
    void emptyObjectGivesTheSeedDefaultsAndFlagsWinOverTheFile() throws ConfigException
    {
        final DaemonConfig defaults = ConfigLoader.parse("{}", ConfigLoader.Overrides.none());
        assertEquals(Paths.get("/tmp/shm_daemon.sock"), defaults.socketPath());
        assertEquals(Paths.get("/dev/shm"), defaults.shmDir());
        assertEquals(Paths.get("/dev/shm/.zerocpd"), defaults.stateDir());
        assertEquals(4096, defaults.defaultRegionSize);
        assertEquals("rw-------", PosixFilePermissions.toString(defaults.socketMode));
        assertEquals("rw-------", PosixFilePermissions.toString(defaults.regionMode));
        assertEquals(1024, defaults.maxRegionsPerUid);
        assertEquals(25, defaults.journalSharePerUid);
        assertEquals(1024, defaults.maxUnheldRegions);
        assertEquals(1024, defaults.maxKeptDescriptors);

        final DaemonConfig overridden = ConfigLoader.parse(
            "{\"socket\": \"/tmp/a.sock\", \"shm-dir\": \"/dev/shm/a\", \"lease-ttl-ms\": 100, \"linger-ms\": 5}",
            new ConfigLoader.Overrides(Paths.get("/tmp/b.sock"), null, null, 200L, null, "0666", null, null));
        assertEquals(Paths.get("/tmp/b.sock"), overridden.socketPath());
        assertEquals(Paths.get("/dev/shm/a"), overridden.shmDir());
        assertEquals(Paths.get("/dev/shm/a/.zerocpd"), overridden.stateDir());
        assertEquals(200, overridden.leaseTtlMs());
        assertEquals(5, overridden.lingerMs);
        assertEquals("rw-rw-rw-", PosixFilePermissions.toString(overridden.socketMode));

        final ConfigException ex = assertThrows(ConfigException.class, () -> ConfigLoader.parse("{}",
            new ConfigLoader.Overrides(null, null, null, 0L, null, null, null, null)));
        assertTrue(ex.getMessage().contains("lease-ttl-ms"), ex.getMessage());
    }

    static Stream<Arguments> badConfigFiles()
    {
        return Stream.of(
            arguments("{\"tokens\": [{\"id\": \"a\", \"sha256\": \"" + HASH + "\", \"bogus\": 1}]}",
                "unknown key 'tokens[0].bogus'"),
            arguments("{\"lease-ttl-ms\": ", "not valid JSON"),
            arguments("null", "config.json"),
            arguments(null, "does not exist"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badConfigFiles")
    void zerocpdWithABadConfigFileExitsTwoWithOneLine(final String json, final String expected) throws Exception
    {
        try (TestDirs dirs = new TestDirs())
        {
            final Path configFile = dirs.socketDir().resolve("config.json");
            if (null != json)
            {
                Files.writeString(configFile, json);
            }
            try (ChildJvm zerocpd = ChildJvm.start(Zerocpd.class, "--config", configFile.toString(),
                "--socket", dirs.socket().toString(), "--shm-dir", dirs.shmDir().toString()))
            {
                final int exitCode = zerocpd.waitFor(60, TimeUnit.SECONDS);
                final String output = zerocpd.output();
                final List<String> lines = output.lines().toList();

                assertAll(output,
                    () -> assertEquals(2, exitCode),
                    () -> assertEquals(1, lines.size()),
                    () -> assertTrue(lines.get(0).startsWith("zerocpd: "), lines.get(0)),
                    () -> assertTrue(lines.get(0).contains(expected), lines.get(0)),
                    () -> assertFalse(output.contains("Exception"), "no exception names"),
                    () -> assertFalse(output.contains("\tat "), "no stack trace"),
                    () -> assertFalse(Files.exists(dirs.socket()), "no socket bound"));
            }
        }
    }

    private static String token(final String fields)
    {
        return "{\"tokens\": [{\"id\": \"a\", " + fields + "}]}";
    }
}
