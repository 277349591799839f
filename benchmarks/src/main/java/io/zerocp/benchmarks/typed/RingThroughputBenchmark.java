package io.zerocp.benchmarks.typed;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.typed.MessageRing;
import io.zerocp.client.typed.RingConsumer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * 64-byte messages from one process to another as fast as they go, checked for order on arrival:
 * <ul>
 *   <li>through a typed {@link MessageRing}, one-to-one and many-to-one (one producer), the producer in a child JVM
 *   calling {@code write} (one copy into the ring) and spinning when the ring is full, the consumer (this JVM)
 *   reading in batches;</li>
 *   <li>through a Unix stream socket, one {@code write} per message, the reader taking whatever is there in 64 KiB
 *   reads: the copying baseline.</li>
 * </ul>
 * Messages/s are measured by the consumer from the first to the last message. With {@code --c-dir} (the built shared
 * C baselines) each run also runs the C SPSC ring ({@code shm_spsc tput}) between ours, and the "of C" ratios come
 * from those same-run figures; without it there are none. The last line is {@code RESULT <kind>=<msgs/s> ...}
 * (medians) for the suite. Usage: {@code RingThroughputBenchmark [--seconds 5] [--runs 3] [--capacity 262144]
 * [--kinds o2o,m2o,socket,c] [--c-dir DIR | --no-c REASON]}.
 */
public final class RingThroughputBenchmark
{
    private static final int MESSAGE = 64;
    private static final int DATA = 1;
    private static final int END = 2;
    private static final Map<String, String> KIND_NAMES = Map.of("o2o", "ring one-to-one", "m2o",
        "ring many-to-one", "socket", "unix socket", "c", "C SPSC ring (shm_spsc)");

    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && args[0].equals("ring-producer"))
        {
            ringProducer(args[1], args[2], Integer.parseInt(args[3]), args[4], Double.parseDouble(args[5]));
            return;
        }
        if (args.length > 0 && args[0].equals("socket-producer"))
        {
            socketProducer(Path.of(args[1]), Double.parseDouble(args[2]));
            return;
        }
        final double seconds = Double.parseDouble(BenchSupport.option(args, "seconds", "5"));
        final int runs = Integer.parseInt(BenchSupport.option(args, "runs", "3"));
        final int capacity = Integer.parseInt(BenchSupport.option(args, "capacity", "262144"));
        final CReference c = CReference.fromArgs(args);
        final List<String> kinds = new ArrayList<>(List.of(BenchSupport.option(args, "kinds", "o2o,m2o,socket,c")
            .split(",")));
        if (c.absent())
        {
            kinds.remove("c");
        }
        System.out.println(BenchSupport.format("%d-byte messages, ring capacity %d bytes; %s s per measurement, %d " +
            "runs of %s; %d cores; JDK %s; C SPSC ring: %s", MESSAGE, capacity, seconds, runs, kinds,
            Runtime.getRuntime().availableProcessors(), Runtime.version(), c.absent() ? c.why() : "same run"));
        final Map<String, List<Double>> rates = new LinkedHashMap<>();
        kinds.forEach(k -> rates.put(k, new ArrayList<>()));
        try (BenchSupport support = new BenchSupport())
        {
            for (int run = 1; run <= runs; run++)
            {
                final StringBuilder line = new StringBuilder("run " + run + ":");
                for (final String kind : kinds)
                {
                    final double rate = switch (kind)
                    {
                        case "o2o", "m2o" -> runRing(support, kind, capacity, seconds);
                        case "socket" -> runSocket(support, seconds);
                        case "c" -> c.run("shm_spsc", "tput_msgs", "tput", Double.toString(seconds)) * 1e6;
                        default -> throw new IllegalArgumentException("unknown kind " + kind);
                    };
                    rates.get(kind).add(rate);
                    line.append(BenchSupport.format("   %s %.2f M msgs/s", KIND_NAMES.get(kind), rate / 1e6));
                }
                System.out.println(line);
            }
        }
        final StringBuilder result = new StringBuilder("RESULT");
        final StringBuilder median = new StringBuilder("median:");
        final double cRate = rates.containsKey("c") ? BenchSupport.median(rates.get("c")) : Double.NaN;
        for (final Map.Entry<String, List<Double>> e : rates.entrySet())
        {
            final double m = BenchSupport.median(e.getValue());
            result.append(' ').append(e.getKey()).append('=').append(m);
            median.append(BenchSupport.format(" %s %.2f M msgs/s", KIND_NAMES.get(e.getKey()), m / 1e6));
            if (!"c".equals(e.getKey()))
            {
                median.append(" (").append(c.ratio(m, cRate)).append(c.absent() ? "" : " of C, same run").append(')');
            }
            median.append(';');
        }
        System.out.println(median);
        System.out.println(result);
    }

    private static double runRing(
        final BenchSupport support, final String kind, final int capacity, final double seconds)
        throws InterruptedException
    {
        final String name = "bench_ring_" + kind;
        try (RegistryClient client = support.client();
            MessageRing ring = "o2o".equals(kind) ? MessageRing.oneToOne(client, name, capacity) :
                MessageRing.manyToOne(client, name, capacity);
            RingConsumer consumer = ring.consumer(Duration.ZERO);
            BenchSupport.Child producer = BenchSupport.start(RingThroughputBenchmark.class, List.of(),
                "ring-producer", support.socket().toString(), name, Integer.toString(capacity), kind,
                Double.toString(seconds)))
        {
            final Counter counter = new Counter();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60) + (long)(seconds * 1e9);
            int idle = 0;
            while (!counter.ended && System.nanoTime() < deadline)
            {
                if (consumer.poll(counter) > 0)
                {
                    counter.last = System.nanoTime(); // per batch: a clock read per message would cost ~10%
                    idle = 0;
                }
                else if (++idle > 1000)
                {
                    Thread.yield();
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            counter.checkAll(producer.await("DONE", Duration.ofSeconds(30)));
            return counter.rate("ring " + kind);
        }
    }

    /** Counts messages and checks each carries the next sequence number. */
    private static final class Counter implements MessageHandler
    {
        long expected;
        long first;
        long last;
        boolean ended;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (msgTypeId == END)
            {
                ended = true;
                return;
            }
            onMessage(buffer.getLong(index));
        }

        void onMessage(final long sequence)
        {
            if (sequence != expected)
            {
                throw new IllegalStateException("message " + sequence + " arrived when " + expected + " was due");
            }
            if (0 == expected)
            {
                first = System.nanoTime();
            }
            expected++;
        }

        /** Every message the producer says it sent arrived (in order, checked on the way). */
        void checkAll(final String done)
        {
            final long sent = (long)BenchSupport.field(done, "sent");
            if (sent != expected)
            {
                throw new IllegalStateException("producer sent " + sent + ", consumer got " + expected);
            }
        }

        /** Rate from the first message to the end of the batch holding the last one. */
        double rate(final String what)
        {
            if (expected < 2)
            {
                throw new IllegalStateException(what + ": no messages");
            }
            return (expected - 1) * 1e9 / (last - first);
        }
    }

    private static void ringProducer(
        final String socket, final String name, final int capacity, final String kind, final double seconds)
    {
        try (RegistryClient client = BenchSupport.client(socket);
            MessageRing ring = "o2o".equals(kind) ? MessageRing.oneToOne(client, name, capacity) :
                MessageRing.manyToOne(client, name, capacity))
        {
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
            final long end = System.nanoTime() + (long)(seconds * 1e9);
            long sequence = 0;
            long full = 0;
            while (true)
            {
                // Check the clock every 1024 messages: a clock read per message would cost more than the write.
                if ((sequence & 1023) == 0 && System.nanoTime() > end)
                {
                    break;
                }
                message.putLong(0, sequence);
                if (ring.write(DATA, message, 0, MESSAGE))
                {
                    sequence++;
                }
                else if ((++full & 127) == 0)
                {
                    Thread.yield(); // sharing a core with the consumer (a busy 2-core box): let it drain
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            while (!ring.write(END, message, 0, MESSAGE))
            {
                Thread.yield();
            }
            System.out.println("DONE sent=" + sequence + " full=" + full);
        }
    }

    private static double runSocket(final BenchSupport support, final double seconds)
        throws IOException, InterruptedException
    {
        final Path path = support.socketDir().resolve("ring.sock");
        Files.deleteIfExists(path);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            server.bind(UnixDomainSocketAddress.of(path));
            try (BenchSupport.Child producer = BenchSupport.start(RingThroughputBenchmark.class, List.of(),
                "socket-producer", path.toString(), Double.toString(seconds));
                SocketChannel channel = server.accept())
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
                final UnsafeBuffer view = new UnsafeBuffer(buffer);
                final Counter counter = new Counter();
                while (channel.read(buffer) >= 0)
                {
                    final int whole = buffer.position() / MESSAGE * MESSAGE;
                    for (int i = 0; i < whole; i += MESSAGE)
                    {
                        counter.onMessage(view.getLong(i));
                    }
                    counter.last = System.nanoTime();
                    buffer.limit(buffer.position()).position(whole);
                    buffer.compact();
                }
                counter.checkAll(producer.await("DONE", Duration.ofSeconds(30)));
                return counter.rate("socket");
            }
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }

    private static void socketProducer(final Path path, final double seconds) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path)))
        {
            final ByteBuffer message = ByteBuffer.allocateDirect(MESSAGE).order(ByteOrder.nativeOrder());
            final long end = System.nanoTime() + (long)(seconds * 1e9);
            long sequence = 0;
            while ((sequence & 1023) != 0 || System.nanoTime() < end)
            {
                message.clear();
                message.putLong(0, sequence++);
                while (message.hasRemaining())
                {
                    channel.write(message);
                }
            }
            System.out.println("DONE sent=" + sequence);
        }
    }
}
