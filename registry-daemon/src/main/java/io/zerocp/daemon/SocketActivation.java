package io.zerocp.daemon;

import java.util.Map;

/**
 * systemd's socket-activation protocol ({@code sd_listen_fds}): a supervisor that binds the socket itself passes it
 * as descriptor 3 (and up) with {@code LISTEN_PID} set to our pid and {@code LISTEN_FDS} to how many it passed;
 * {@code LISTEN_FDNAMES} may name them. The socket then outlives the daemon: while the daemon is down the kernel
 * queues datagrams on it, and the next daemon answers them.
 */
final class SocketActivation
{
    /** The first passed descriptor, {@code SD_LISTEN_FDS_START}. */
    static final int FIRST_FD = 3;
    /** The {@code FileDescriptorName=} the daemon looks for among several passed sockets. */
    static final String NAME = "zerocpd";

    private SocketActivation()
    {
    }

    /**
     * @return the passed socket's descriptor, or -1 when this process was not started with one (no variables, or
     * they are for another pid, as when a child inherited its parent's environment).
     * @throws ConfigException when the variables are for us but do not make sense.
     */
    static int inheritedSocket(final Map<String, String> env, final long pid) throws ConfigException
    {
        final String listenPid = env.get("LISTEN_PID");
        final String listenFds = env.get("LISTEN_FDS");
        if (null == listenPid || null == listenFds || !listenPid.trim().equals(Long.toString(pid)))
        {
            return -1;
        }
        final int count;
        try
        {
            count = Integer.parseInt(listenFds.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException("LISTEN_FDS is '" + listenFds + "', not a number of descriptors");
        }
        if (count < 1)
        {
            return -1;
        }
        final String names = env.get("LISTEN_FDNAMES");
        if (count > 1)
        {
            final String[] each = null == names ? new String[0] : names.split(":", -1);
            for (int i = 0; i < each.length && i < count; i++)
            {
                if (NAME.equals(each[i]))
                {
                    return FIRST_FD + i;
                }
            }
            throw new ConfigException(count + " sockets passed (LISTEN_FDS) and none named '" + NAME +
                "' in LISTEN_FDNAMES ('" + names + "'): set FileDescriptorName=" + NAME);
        }
        return FIRST_FD;
    }
}
