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
import java.util.List;
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
 * Messages/s are measured by the consumer from the first to the last message. Usage:
 * {@code RingThroughputBenchmark [--seconds 5] [--runs 3] [--capacity 262144]}.
 */
public final class RingThroughputBenchmark
{
    private static final int MESSAGE = 64;
    private static final int DATA = 1;
    private static final int END = 2;

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
        System.out.println(BenchSupport.format("%d-byte messages, ring capacity %d bytes; %s s per measurement, %d " +
            "runs; %d cores; JDK %s", MESSAGE, capacity, seconds, runs, Runtime.getRuntime().availableProcessors(),
            Runtime.version()));
        final List<Double> oneToOne = new ArrayList<>();
        final List<Double> manyToOne = new ArrayList<>();
        final List<Double> socket = new ArrayList<>();
        try (BenchSupport support = new BenchSupport())
        {
            for (int run = 1; run <= runs; run++)
            {
                final double o2o = runRing(support, "o2o", capacity, seconds);
                final double m2o = runRing(support, "m2o", capacity, seconds);
                final double sock = runSocket(support, seconds);
                oneToOne.add(o2o);
                manyToOne.add(m2o);
                socket.add(sock);
                System.out.println(BenchSupport.format("run %d: ring one-to-one %6.2f M msgs/s   many-to-one %6.2f " +
                    "M msgs/s   unix socket %5.2f M msgs/s", run, o2o / 1e6, m2o / 1e6, sock / 1e6));
            }
        }
        final double o2o = BenchSupport.median(oneToOne);
        final double m2o = BenchSupport.median(manyToOne);
        final double sock = BenchSupport.median(socket);
        System.out.println(BenchSupport.format("median: one-to-one %.2f M msgs/s (%.2f GB/s payload), many-to-one " +
            "%.2f M msgs/s, unix socket %.2f M msgs/s; ring/socket %.1fx; vs C SPSC ring 18.48 M msgs/s: " +
            "one-to-one %.2fx, many-to-one %.2fx", o2o / 1e6, o2o * MESSAGE / 1e9, m2o / 1e6, sock / 1e6, o2o / sock,
            o2o / 18.48e6, m2o / 18.48e6));
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
                if (consumer.read(counter) > 0)
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
