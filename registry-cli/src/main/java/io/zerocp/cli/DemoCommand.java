package io.zerocp.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code zerocp demo}: listed here so {@code zerocp --help} shows it with its options, but run by the
 * {@code bin/zerocp} launcher itself ({@code bin/zerocp-demo}), because it starts a daemon when none answers and the
 * samples' JVMs, which this tool's class path does not hold.
 */
@Command(name = "demo", sortOptions = false,
    description = "Run a sample pipeline against the daemon (a private one when none answers), show its live " +
        "numbers, and stop and clean up everything at the end.")
final class DemoCommand implements Callable<Integer>
{
    @Parameters(paramLabel = "video|audio|quickstart",
        description = "video: 1080p frames, a producer and two consumers; audio: 10 ms blocks through a ring; " +
            "quickstart: one writer, one reader.")
    String kind;

    @Option(names = "--seconds", paramLabel = "N", description = "How long it runs once its processes are ready " +
        "(default 10).")
    Double seconds;

    @Option(names = "--socket", paramLabel = "PATH",
        description = "Daemon socket (default $ZEROCP_SOCKET or /tmp/shm_daemon.sock).")
    Path socket;

    @Option(names = "--fps", paramLabel = "F", description = "Video frames per second (default 30).")
    Double fps;

    @Option(names = "--kill", paramLabel = "ROLE@SECONDS",
        description = "kill -9 one process that long after it is ready (video: producer, consumer-1, consumer-2; " +
            "audio: producer, consumer), to watch the others carry on.")
    String kill;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("zerocp: the demo runs through the launcher: bin/zerocp demo " + kind +
            " ...");
        return 2;
    }
}
