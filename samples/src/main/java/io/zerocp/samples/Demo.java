package io.zerocp.samples;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.RegistryException;
import io.zerocp.samples.audio.AudioConsumer;
import io.zerocp.samples.audio.AudioProducer;
import io.zerocp.samples.quickstart.Quickstart;
import io.zerocp.samples.video.VideoConsumer;
import io.zerocp.samples.video.VideoProducer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs a sample pipeline as separate processes against a running zerocpd, shows their live numbers, and stops and
 * cleans up everything after {@code --seconds}:
 * <pre>
 *   Demo video|audio|quickstart [--seconds N] [--socket P] [--fps F] [--kill ROLE@S]
 * </pre>
 * {@code video}: one producer of 1080p RGBA frames and two consumers, through a frame pool. {@code audio}: a producer
 * and a player of 10 ms blocks, through a one-to-one ring. {@code quickstart}: a writer and a reader of a named
 * region. {@code --kill consumer-2@4} sends {@code kill -9} to that process after 4 s, to show the others carry on.
 * Each child is a JVM with this class path and the flags Agrona needs; each also gets a {@code --seconds} a little
 * longer than the demo, so none outlives a demo that is itself killed.
 */
public final class Demo
{
    private final List<Child> children = new ArrayList<>();
    private final List<Thread> relays = new ArrayList<>();

    private static final class Child
    {
        final String role;
        final Process process;

        Child(final String role, final Process process)
        {
            this.role = role;
            this.process = process;
        }
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final SampleArgs options = new SampleArgs(args);
        final String mode = options.positional().isEmpty() ? "" : options.positional().get(0);
        if (!List.of("video", "audio", "quickstart").contains(mode))
        {
            System.err.println("usage: Demo video|audio|quickstart [--seconds N] [--socket P] [--fps F] " +
                "[--kill ROLE@SECONDS]");
            System.exit(2);
        }
        final String socket = options.get("socket", null != System.getenv("ZEROCP_SOCKET") ?
            System.getenv("ZEROCP_SOCKET") : io.zerocp.api.Protocol.DEFAULT_SOCKET_PATH);
        if (!daemonAnswers(socket))
        {
            System.err.println("demo: no zerocpd answers at " + socket + "; start one first (bin/zerocpd" +
                (socket.equals(io.zerocp.api.Protocol.DEFAULT_SOCKET_PATH) ? "" : " --socket " + socket) + ")");
            System.exit(1);
        }
        final double seconds = options.getDouble("seconds", 10);
        final Demo demo = new Demo();
        final Thread cleanup = new Thread(demo::stopAll, "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        final String childSeconds = String.format(Locale.ROOT, "%.1f", seconds + 5);
        final String name = "demo_" + mode + "_" + ProcessHandle.current().pid();
        final List<String> common = List.of("--socket", socket, "--seconds", childSeconds, "--name", name);

        System.out.println("demo: " + mode + " pipeline for " + seconds + " s through region " + name + " (zerocpd at " +
            socket + ")");
        switch (mode)
        {
            case "video":
                final String fps = options.get("fps", "30");
                demo.start("producer", VideoProducer.class, common, "--fps", fps);
                demo.start("consumer-1", VideoConsumer.class, common, "--id", "1");
                demo.start("consumer-2", VideoConsumer.class, common, "--id", "2");
                break;
            case "audio":
                demo.start("producer", AudioProducer.class, common);
                demo.start("consumer", AudioConsumer.class, common);
                break;
            default:
                demo.start("writer", Quickstart.class, common, "write", "--message",
                    "hello through zerocp from the demo writer");
                TimeUnit.MILLISECONDS.sleep(500);
                demo.start("reader", Quickstart.class, List.of("--socket", socket, "--name", name), "read");
                break;
        }
        demo.run((long)(seconds * 1000), options.getOrNull("kill"));
        demo.stopAll();
        demo.awaitOutput();
        System.out.println("demo: done; every process stopped and its regions released");
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

    private void start(final String role, final Class<?> main, final List<String> common, final String... extra)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(io.zerocp.api.RequiredJvmFlags.forThisJvm());
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(Arrays.asList(extra));
        command.addAll(common);
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final Child child = new Child(role, process);
            synchronized (children)
            {
                children.add(child);
            }
            final Thread relay = new Thread(() -> relay(child), "demo-relay-" + role);
            relay.setDaemon(true);
            relay.start();
            synchronized (children)
            {
                relays.add(relay);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start " + role + ": " + ex.getMessage(), ex);
        }
    }

    private static void relay(final Child child)
    {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(child.process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = in.readLine()))
            {
                System.out.println(String.format("[%-10s] %s", child.role, line));
            }
        }
        catch (final IOException ignore)
        {
            // the child is gone
        }
    }

    private void run(final long millis, final String kill) throws InterruptedException
    {
        final long start = System.nanoTime();
        String killRole = null;
        long killAtMs = Long.MAX_VALUE;
        if (null != kill && kill.contains("@"))
        {
            killRole = kill.substring(0, kill.indexOf('@'));
            killAtMs = (long)(Double.parseDouble(kill.substring(kill.indexOf('@') + 1)) * 1000);
        }
        while (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < millis)
        {
            TimeUnit.MILLISECONDS.sleep(50);
            if (null != killRole && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= killAtMs)
            {
                for (final Child child : snapshot())
                {
                    if (child.role.equals(killRole))
                    {
                        System.out.println("demo: kill -9 " + child.role + " (pid " + child.process.pid() + ")");
                        child.process.toHandle().destroyForcibly();
                    }
                }
                killRole = null;
            }
            if (snapshot().stream().noneMatch(c -> c.process.isAlive()))
            {
                break; // quickstart: both sides are done
            }
        }
    }

    /** Lets the children's last lines (their totals) through before the demo's own last line. */
    private void awaitOutput() throws InterruptedException
    {
        final List<Thread> all;
        synchronized (children)
        {
            all = new ArrayList<>(relays);
        }
        for (final Thread relay : all)
        {
            relay.join(2000);
        }
    }

    private List<Child> snapshot()
    {
        synchronized (children)
        {
            return new ArrayList<>(children);
        }
    }

    /** SIGTERM (each child closes its regions and prints its totals), then SIGKILL for any still there after 5 s. */
    private void stopAll()
    {
        final List<Child> all = snapshot();
        for (final Child child : all)
        {
            // Through the handle: Process.destroy() would also close our end of its output, losing its last lines.
            child.process.toHandle().destroy();
        }
        for (final Child child : all)
        {
            try
            {
                if (!child.process.waitFor(5, TimeUnit.SECONDS))
                {
                    child.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                child.process.destroyForcibly();
            }
        }
    }
}
