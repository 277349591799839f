package io.zerocp.benchmarks;

import io.zerocp.client.RegistryClient;
import io.zerocp.client.SharedRegion;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

/**
 * A connected zerocp client, the peer of {@code io.zerocp.benchmarks.aeron.AeronPeerClient}: for each stdin line
 * {@code ACQ <bytes>} acquires a new region of that size (the daemon creates the file with its pages reserved, the
 * client maps it), prints {@code T <nanoseconds>} for the acquire, then closes it (the daemon unlinks it after its
 * linger). Exits at the end of stdin.
 * <p>
 * Usage: {@code ZerocpPeerClient <daemon socket>}; prints {@code READY} once registered.
 */
public final class ZerocpPeerClient
{
    private ZerocpPeerClient()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        try (RegistryClient client = RegistryClient.builder().socketPath(Paths.get(args[0])).build())
        {
            System.out.println("READY");
            System.out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            int next = 0;
            String line;
            while (null != (line = in.readLine()))
            {
                final int size = Integer.parseInt(line.split(" ")[1]);
                final String name = "peer_" + size + "_" + next++;
                final long t0 = System.nanoTime();
                final SharedRegion region = client.acquire(name, size);
                final long t1 = System.nanoTime();
                region.close();
                System.out.println("T " + (t1 - t0));
                System.out.flush();
            }
        }
    }
}
