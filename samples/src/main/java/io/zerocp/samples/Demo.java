package io.zerocp.samples;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.RegistryException;
import io.zerocp.samples.audio.AudioConsumer;
import io.zerocp.samples.audio.AudioProducer;
import io.zerocp.samples.quickstart.Quickstart;
import io.zerocp.samples.video.VideoConsumer;
import io.zerocp.samples.video.VideoProducer;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a sample pipeline as separate processes against a running zerocpd, shows their live numbers, and stops and
 * cleans up everything after {@code --seconds}:
 * <pre>
 *   Demo video|audio|quickstart [--seconds N] [--socket P] [--fps F] [--kill ROLE@S]
 * </pre>
 * {@code video}: one producer of 1080p RGBA frames and two consumers, through a frame pool. {@code audio}: a producer
 * and a player of 10 ms blocks, through a one-to-one ring. {@code quickstart}: a writer and a reader of a named
 * region; it ends as soon as the reader has read the message. {@code --kill consumer-2@4} sends {@code kill -9} to
 * that process 4 s after it is ready, to show the others carry on.
 * <p>
 * Clocks start when the processes are ready (have printed their first line, after opening the region), not when
 * their JVMs were forked, so a busy machine makes the demo start later, not shorter. Each child gets a
 * {@code --seconds} well past the demo's end, so none outlives a demo that is itself killed for long.
 * <p>
 * Exit status: 0 when every process ran and stopped as asked; 1 when the daemon does not answer, a process did not
 * start within {@value #READY_TIMEOUT_S} s, or one exited with an error on its own; 2 for bad arguments.
 */
public final class Demo
{
    static final String USAGE =
        "usage: zerocp demo video|audio|quickstart [--seconds N] [--socket PATH] [--fps F] [--kill ROLE@SECONDS]";
    private static final long READY_TIMEOUT_S = 60;
    private static final Map<String, List<String>> ROLES = Map.of(
        "video", List.of("producer", "consumer-1", "consumer-2"),
        "audio", List.of("producer", "consumer"),
        "quickstart", List.of("writer", "reader"));

    private final List<DemoChild> children = new ArrayList<>();
    private final Set<DemoChild> reported = new HashSet<>();
    private volatile boolean failed;
    /** Set once the demo itself stops the processes: exit statuses from then on are its own doing. */
    private volatile boolean stopping;

    public static void main(final String[] args) throws InterruptedException
    {
        if (List.of(args).contains("--help") || List.of(args).contains("-h"))
        {
            System.out.println(USAGE);
            System.out.println("  --seconds N      how long the pipeline runs once its processes are ready (default 10)");
            System.out.println("  --socket PATH    the daemon (default $ZEROCP_SOCKET or /tmp/shm_daemon.sock)");
            System.out.println("  --fps F          frames per second of the video producer (default 30)");
            System.out.println("  --kill ROLE@S    kill -9 one process S seconds after it is ready: video: producer, " +
                "consumer-1, consumer-2; audio: producer, consumer");
            System.exit(0);
        }
        final SampleArgs options;
        final String mode;
        final double seconds;
        final Kill kill;
        try
        {
            options = new SampleArgs(args);
            mode = options.positional().isEmpty() ? "" : options.positional().get(0);
            if (!ROLES.containsKey(mode) || options.positional().size() > 1)
            {
                throw new IllegalArgumentException("name one demo: video, audio or quickstart");
            }
            seconds = options.getDouble("seconds", 10);
            if (!(seconds > 0))
            {
                throw new IllegalArgumentException("--seconds must be more than 0");
            }
            Double.parseDouble(options.get("fps", "30"));
            kill = Kill.parse(options.getOrNull("kill"), ROLES.get(mode));
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("demo: " + ex.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        final String socket = options.get("socket", null != System.getenv("ZEROCP_SOCKET") ?
            System.getenv("ZEROCP_SOCKET") : io.zerocp.api.Protocol.DEFAULT_SOCKET_PATH);
        if (!daemonAnswers(socket))
        {
            System.err.println("demo: no zerocpd answers at " + socket + "; start one first (bin/zerocpd" +
                (socket.equals(io.zerocp.api.Protocol.DEFAULT_SOCKET_PATH) ? "" : " --socket " + socket) + ")");
            System.exit(1);
        }
        final Demo demo = new Demo();
        Runtime.getRuntime().addShutdownHook(new Thread(demo::stopAll, "demo-cleanup"));
        final boolean ok = demo.run(mode, seconds, socket, options.get("fps", "30"), kill);
        System.exit(ok ? 0 : 1);
    }

    /** {@code --kill ROLE@SECONDS}. */
    record Kill(String role, long afterMs)
    {
        static Kill parse(final String option, final List<String> roles)
        {
            if (null == option)
            {
                return null;
            }
            final int at = option.indexOf('@');
            final String role = at < 0 ? option : option.substring(0, at);
            if (at < 0 || !roles.contains(role))
            {
                throw new IllegalArgumentException("--kill takes ROLE@SECONDS with ROLE one of " + roles);
            }
            final double seconds;
            try
            {
                seconds = Double.parseDouble(option.substring(at + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("--kill " + option + ": not a number of seconds");
            }
            if (!(seconds >= 0))
            {
                throw new IllegalArgumentException("--kill " + option + ": seconds must be 0 or more");
            }
            return new Kill(role, (long)(seconds * 1000));
        }
    }

    private static boolean daemonAnswers(final String socket)
    {
        try (RegistryClient client = RegistryClient.builder().socketPath(Paths.get(socket)).register(false)
            .timeout(Duration.ofSeconds(2)).build())
        {
            client.ping();
            return true;
        }
        catch (final RegistryException ex)
        {
            return false;
        }
    }

    private boolean run(final String mode, final double seconds, final String socket, final String fps, final Kill kill)
        throws InterruptedException
    {
        final String childSeconds = String.format(Locale.ROOT, "%.1f", seconds + READY_TIMEOUT_S);
        final String name = "demo_" + mode + "_" + ProcessHandle.current().pid();
        final List<String> common = List.of("--socket", socket, "--seconds", childSeconds, "--name", name);
        System.out.println("demo: " + mode + " pipeline " + ("quickstart".equals(mode) ? "" : "for " + seconds + " s ") +
            "through region " + name + " (zerocpd at " + socket + ")");
        try
        {
            switch (mode)
            {
                case "video":
                    start("producer", VideoProducer.class, common, "--fps", fps);
                    start("consumer-1", VideoConsumer.class, common, "--id", "1");
                    start("consumer-2", VideoConsumer.class, common, "--id", "2");
                    break;
                case "audio":
                    start("producer", AudioProducer.class, common);
                    start("consumer", AudioConsumer.class, common);
                    break;
                default:
                    // The writer holds the region until one reader has confirmed, then ends: so does the demo.
                    start("writer", Quickstart.class, common, "write", "--readers", "1", "--message",
                        "hello through zerocp from the demo writer");
                    if (!awaitReady())
                    {
                        return false;
                    }
                    start("reader", Quickstart.class, common, "read");
                    break;
            }
            if (!awaitReady())
            {
                return false;
            }
            watch(TimeUnit.NANOSECONDS.convert((long)(seconds * 1000), TimeUnit.MILLISECONDS), kill);
            return !failed;
        }
        finally
        {
            stopAll();
            for (final DemoChild child : snapshot())
            {
                child.awaitOutput(2000);
            }
            if (failed)
            {
                System.out.println("demo: failed; every process stopped");
            }
            else
            {
                System.out.println("demo: done; every process stopped and its regions released");
            }
        }
    }

    private void start(final String role, final Class<?> main, final List<String> common, final String... extra)
    {
        final List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(common);
        final DemoChild child = DemoChild.start(role, main, args);
        synchronized (children)
        {
            children.add(child);
        }
    }

    /** Waits (bounded) until every process started so far has printed its first line. */
    private boolean awaitReady() throws InterruptedException
    {
        for (final DemoChild child : snapshot())
        {
            if (!child.awaitReady(READY_TIMEOUT_S, TimeUnit.SECONDS))
            {
                System.out.println("demo: " + child.role() + " " + (child.isAlive() ?
                    "is not ready after " + READY_TIMEOUT_S + " s" : "exited with status " + child.exitStatus()) +
                    " before it was ready");
                failed = true;
                return false;
            }
        }
        return true;
    }

    /** Runs for {@code durationNs} from now (everyone is ready) or until every process has ended by itself. */
    private void watch(final long durationNs, final Kill kill) throws InterruptedException
    {
        final long start = System.nanoTime();
        boolean killPending = null != kill;
        while (System.nanoTime() - start < durationNs)
        {
            TimeUnit.MILLISECONDS.sleep(50);
            if (killPending)
            {
                for (final DemoChild child : snapshot())
                {
                    if (child.role().equals(kill.role()) &&
                        System.nanoTime() - child.readyNs() >= TimeUnit.MILLISECONDS.toNanos(kill.afterMs()))
                    {
                        System.out.println("demo: kill -9 " + child.role() + " (pid " + child.pid() + ")");
                        child.kill();
                        killPending = false;
                    }
                }
            }
            reportExits();
            if (snapshot().stream().noneMatch(DemoChild::isAlive))
            {
                break; // quickstart: both sides are done
            }
        }
    }

    /** Notes each process that ended by itself with an error (the one {@code --kill} killed is expected). */
    private void reportExits()
    {
        for (final DemoChild child : snapshot())
        {
            final int status = child.exitStatus();
            if (status > 0 && !child.wasKilled() && !stopping && reported.add(child))
            {
                System.out.println("demo: " + child.role() + " exited with status " + status);
                failed = true;
            }
        }
    }

    private List<DemoChild> snapshot()
    {
        synchronized (children)
        {
            return new ArrayList<>(children);
        }
    }

    /** SIGTERM (each child closes its regions and prints its totals), then SIGKILL for any still there after 5 s. */
    private void stopAll()
    {
        reportExits(); // before our own SIGTERMs make exit statuses meaningless
        stopping = true;
        final List<DemoChild> all = snapshot();
        for (final DemoChild child : all)
        {
            child.stop();
        }
        for (final DemoChild child : all)
        {
            try
            {
                child.awaitExit(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                child.kill();
            }
        }
    }
}
