package com.example.consumer;

import io.zerocp.api.ErrorReply;
import io.zerocp.client.RegistryClient;
import io.zerocp.client.RegistryException;
import io.zerocp.client.RegistryUnavailableException;
import io.zerocp.client.SharedRegion;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * What a project of its own does with the zerocp client (docs/client.md): two clients (in a real system, two
 * processes) share one named region, one writes and the other reads the same bytes without a copy, and a request the
 * daemon refuses shows up as a {@link RegistryException} with the daemon's reason. Exit status 0 when all of that
 * held, 1 when not.
 * <pre>
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED [--enable-native-access=ALL-UNNAMED on JDK 22+] \
 *        -cp 'target/zerocp-consumer-1.0.jar:target/lib/*' com.example.consumer.Consumer [SOCKET]
 * </pre>
 */
public final class Consumer
{
    private static final String REGION = "consumer_example";
    private static final int SIZE = 64 * 1024;

    private Consumer()
    {
    }

    public static void main(final String[] args)
    {
        final Path socket = Paths.get(args.length > 0 ? args[0] : "/tmp/shm_daemon.sock");
        try (RegistryClient writer = RegistryClient.builder().socketPath(socket).timeout(Duration.ofSeconds(10)).build();
            RegistryClient reader = RegistryClient.builder().socketPath(socket).timeout(Duration.ofSeconds(10)).build();
            SharedRegion out = writer.acquire(REGION, SIZE);
            SharedRegion in = reader.acquireReadOnly(REGION))
        {
            final long value = 0x5EED_0000_0000L + ProcessHandle.current().pid();
            out.buffer().putLongVolatile(128, value);
            final long seen = in.view().getLong(128);
            check(seen == value, "the reader saw " + Long.toHexString(seen) + ", not " + Long.toHexString(value));
            check(in.size() == SIZE && reader.shmSize(REGION) == SIZE, "sizes: " + in.size());
            check(out.path().equals(in.path()), "one region, one file: " + out.path() + " vs " + in.path());

            try (SharedRegion wrongSize = writer.acquire(REGION, SIZE * 2))
            {
                check(false, "a second size for an existing region was accepted: " + wrongSize);
            }
            catch (final RegistryException ex)
            {
                check(ex.error() == ErrorReply.SIZE_MISMATCH, "expected SIZE_MISMATCH, got " + ex.error() + ": " +
                    ex.getMessage());
            }
            System.out.println("consumer: OK: wrote and read " + Long.toHexString(value) + " through " + out.path() +
                " (" + SIZE + " bytes); a mismatching size was refused with " + ErrorReply.SIZE_MISMATCH);
        }
        catch (final RegistryUnavailableException ex)
        {
            System.out.println("consumer: FAIL: no daemon answered at " + socket + ": " + ex.getMessage());
            System.exit(1);
        }
        catch (final RegistryException | IllegalStateException ex)
        {
            System.out.println("consumer: FAIL: " + ex.getMessage());
            System.exit(1);
        }
    }

    private static void check(final boolean condition, final String failure)
    {
        if (!condition)
        {
            throw new IllegalStateException(failure);
        }
    }
}
