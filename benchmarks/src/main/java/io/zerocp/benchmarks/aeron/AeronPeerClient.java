package io.zerocp.benchmarks.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A connected Aeron client, the peer of {@code ZerocpPeerClient}.
 * <ul>
 *   <li>{@code AeronPeerClient <aeron dir> acquire}: for each stdin line {@code ACQ <term length> <sparse>} adds an
 *   exclusive IPC publication with that term length and sparseness (the driver creates and the client maps its log
 *   file), prints {@code T <nanoseconds>} for the add, then closes it. Exits at the end of stdin.</li>
 *   <li>{@code AeronPeerClient <aeron dir> hold <term length>}: adds one exclusive IPC publication, prints
 *   {@code READY <registration id>} and waits to be killed.</li>
 * </ul>
 */
public final class AeronPeerClient
{
    private AeronPeerClient()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(args[0])))
        {
            if ("hold".equals(args[1]))
            {
                final ExclusivePublication publication = aeron.addExclusivePublication(
                    "aeron:ipc?term-length=" + args[2], 1001);
                System.out.println("READY " + publication.registrationId());
                System.out.flush();
                Thread.sleep(120_000); // the suite kills it long before; the bound keeps a lost holder from living on
                return;
            }
            System.out.println("READY");
            System.out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            int streamId = 2000;
            String line;
            while (null != (line = in.readLine()))
            {
                final String[] f = line.split(" ");
                final String channel = "aeron:ipc?term-length=" + f[1] + "|sparse=" + f[2];
                final long t0 = System.nanoTime();
                final ExclusivePublication publication = aeron.addExclusivePublication(channel, streamId++);
                final long t1 = System.nanoTime();
                publication.close();
                System.out.println("T " + (t1 - t0));
                System.out.flush();
            }
        }
    }
}
