package io.zerocp.samples;

import io.zerocp.testkit.ChildJvm;
import io.zerocp.daemon.EmbeddedDaemon;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTest
{
    private static final Pattern CONSUMER_TOTAL = Pattern.compile(
        "consumer-(\\d)  done: (\\d+) frames read, (\\d+) dropped, (\\d+) bad checksums");

    @Test
    void videoDemoFeedsTwoConsumersAndSurvivesAKilledOneAndLeavesNothingBehind() throws Exception
    {
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            // The demo's clocks (its --seconds, the kill's delay) start when its processes are ready, so a slow start
            // on a loaded machine delays the run rather than cutting it short.
            ChildJvm demo = ChildJvm.start(Demo.class, "video", "--seconds", "6", "--fps", "20",
                "--socket", daemon.socket().toString(), "--kill", "consumer-2@2"))
        {
            assertEquals(0, demo.waitFor(180, TimeUnit.SECONDS), demo::output);
            final String output = demo.output();
            final int kill = output.indexOf("demo: kill -9 consumer-2");
            assertTrue(kill > 0, output);
            assertTrue(output.indexOf("[consumer-1] consumer-1  fps", kill) > kill, "consumer-1 went on: " + output);
            // consumer-1 carried on after consumer-2 was killed and reported its totals on the way out.
            final Matcher m = CONSUMER_TOTAL.matcher(output);
            assertTrue(m.find(), output);
            assertEquals("1", m.group(1), output);
            assertTrue(Long.parseLong(m.group(2)) > 0, output);
            assertEquals("0", m.group(4), "bad checksums: " + output);
            assertTrue(output.contains("producer    done:"), output);
            assertTrue(output.contains("demo: done"), output);

            // Every pipeline process is gone and the daemon reaped the frame pool.
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> regionFiles(daemon.shmDir()) == 0);
            assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                .map(c -> c.contains(daemon.socket().toString())).orElse(false)), "a pipeline process survived");
        }
    }

    @Test
    void quickstartDemoEndsOnceTheReaderHasReadTheMessage() throws Exception
    {
        // --seconds far longer than the wait: a demo that sat out its time would fail here.
        try (EmbeddedDaemon daemon = EmbeddedDaemon.start();
            ChildJvm demo = ChildJvm.start(Demo.class, "quickstart", "--seconds", "600",
                "--socket", daemon.socket().toString()))
        {
            assertEquals(0, demo.waitFor(180, TimeUnit.SECONDS), demo::output);
            final String output = demo.output();
            assertTrue(output.contains("[reader    ] reader: read \"hello through zerocp from the demo writer\""), output);
            assertTrue(output.contains("[writer    ] writer: 1 reader(s) have read it"), output);
            assertTrue(output.indexOf("demo: done") > output.indexOf("writer: 1 reader(s)"), output);
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> regionFiles(daemon.shmDir()) == 0);
        }
    }

    @Test
    void badArgumentsExitTwoWithTheUsageAndAMissingDaemonExitsOne() throws Exception
    {
        try (ChildJvm bad = ChildJvm.start(Demo.class, "video", "--kill", "nobody@1"))
        {
            assertEquals(2, bad.waitFor(60, TimeUnit.SECONDS), bad::output);
            assertTrue(bad.output().contains("--kill takes ROLE@SECONDS") &&
                bad.output().contains("[--socket PATH] [--fps F] [--kill ROLE@SECONDS]"), bad.output());
        }
        try (ChildJvm none = ChildJvm.start(Demo.class, "audio", "--socket", "/tmp/zerocp-demo-test-none.sock"))
        {
            assertEquals(1, none.waitFor(60, TimeUnit.SECONDS), none::output);
            assertTrue(none.output().contains("no zerocpd answers at /tmp/zerocp-demo-test-none.sock"), none.output());
        }
    }

    private static long regionFiles(final Path dir) throws Exception
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(p -> p.getFileName().toString().startsWith("demo_")).count();
        }
    }
}
