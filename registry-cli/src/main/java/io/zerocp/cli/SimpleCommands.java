package io.zerocp.cli;

import io.zerocp.api.Protocol;
import io.zerocp.client.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/**
 * The seed's requests as commands: ping, path, size, and a raw send.
 */
final class SimpleCommands
{
    private SimpleCommands()
    {
    }

    /** Sends one request and prints the reply as is; exit status 1 for an {@code ERROR:} reply. */
    static int sendAndPrint(final ZerocpCli.Connection connection, final String request, final CommandSpec spec)
    {
        try (RegistryClient client = connection.open())
        {
            final String reply = client.request(request);
            spec.commandLine().getOut().println(reply);
            return Protocol.isError(reply) ? 1 : 0;
        }
    }

    @Command(name = "ping", mixinStandardHelpOptions = true, description = "PING the daemon; prints PONG.")
    static final class Ping implements Callable<Integer>
    {
        @Mixin
        ZerocpCli.Connection connection;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call()
        {
            try (RegistryClient client = connection.open())
            {
                client.ping();
                spec.commandLine().getOut().println(Protocol.PONG);
                return 0;
            }
        }
    }

    @Command(name = "path", mixinStandardHelpOptions = true,
        description = "Print a region's path, creating it on first use (no name: the default region).")
    static final class PathOf implements Callable<Integer>
    {
        @Mixin
        ZerocpCli.Connection connection;

        @Parameters(arity = "0..1", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE",
            description = "Bytes, when creating (1 or more; without it the daemon's default size).")
        Long size;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call()
        {
            // The protocol refuses size=0; the client would read 0 as "no size" and make a default-size region.
            if (null != size && size <= 0)
            {
                throw new ParameterException(spec.commandLine(),
                    "SIZE must be a positive number of bytes, not " + size + " (leave it out for the default size)");
            }
            try (RegistryClient client = connection.open())
            {
                spec.commandLine().getOut().println(null == name ? client.shmPath() :
                    client.shmPath(name, null == size ? 0 : size));
                return 0;
            }
        }
    }

    @Command(name = "size", mixinStandardHelpOptions = true,
        description = "Print an existing region's size in bytes (no name: the default region).")
    static final class SizeOf implements Callable<Integer>
    {
        @Mixin
        ZerocpCli.Connection connection;

        @Parameters(arity = "0..1", paramLabel = "NAME")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call()
        {
            try (RegistryClient client = connection.open())
            {
                spec.commandLine().getOut().println(null == name ? client.shmSize() : client.shmSize(name));
                return 0;
            }
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send one raw request and print the reply as is (exit 1 on an ERROR reply).")
    static final class Send implements Callable<Integer>
    {
        @Mixin
        ZerocpCli.Connection connection;

        @Parameters(paramLabel = "REQUEST", description = "e.g. 'GET_SHM_PATH:video,size=1048576'")
        String request;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call()
        {
            return sendAndPrint(connection, request, spec);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Unlink a dynamic region whatever its holders (admin).")
    static final class Delete implements Callable<Integer>
    {
        @Mixin
        ZerocpCli.Connection connection;

        @Parameters(paramLabel = "NAME")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call()
        {
            return sendAndPrint(connection, "DELETE:" + name, spec);
        }
    }
}
