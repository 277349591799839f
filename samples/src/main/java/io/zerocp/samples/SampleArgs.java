package io.zerocp.samples;

import io.zerocp.client.RegistryClient;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --key value} options shared by the sample mains: {@code --socket} (default {@code $ZEROCP_SOCKET} or
 * {@code /tmp/shm_daemon.sock}), {@code --seconds} (0 = until stopped), {@code --name} (the region).
 */
public final class SampleArgs
{
    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    public SampleArgs(final String[] args)
    {
        for (int i = 0; i < args.length; i++)
        {
            if (args[i].startsWith("--"))
            {
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                options.put(args[i].substring(2), args[++i]);
            }
            else
            {
                positional.add(args[i]);
            }
        }
    }

    public List<String> positional()
    {
        return positional;
    }

    public String get(final String key, final String fallback)
    {
        return options.getOrDefault(key, fallback);
    }

    public String getOrNull(final String key)
    {
        return options.get(key);
    }

    public int getInt(final String key, final int fallback)
    {
        return options.containsKey(key) ? Integer.parseInt(options.get(key)) : fallback;
    }

    public double getDouble(final String key, final double fallback)
    {
        return options.containsKey(key) ? Double.parseDouble(options.get(key)) : fallback;
    }

    /** @return when the run should end, as a {@link System#nanoTime()} value; {@code Long.MAX_VALUE} for never. */
    public long deadlineNs()
    {
        final double seconds = getDouble("seconds", 0);
        return seconds <= 0 ? Long.MAX_VALUE : System.nanoTime() + (long)(seconds * 1e9);
    }

    /** @return a registered client of the daemon at {@code --socket}. */
    public RegistryClient client()
    {
        final RegistryClient.Builder builder = RegistryClient.builder().timeout(Duration.ofSeconds(5));
        final String socket = getOrNull("socket");
        if (null != socket)
        {
            builder.socketPath(Paths.get(socket));
        }
        return builder.build();
    }
}
