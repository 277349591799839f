package io.zerocp.cli;

import io.zerocp.api.Protocol;
import io.zerocp.client.RegistryClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code zerocp}: a person's way to poke the daemon, as the seed did with socat, plus the admin views.
 */
@Command(
    name = "zerocp",
    mixinStandardHelpOptions = true,
    version = "zerocp 0.1.0",
    description = "Talk to zerocpd: query regions, see who holds what, watch it live.",
    subcommands = {
        SimpleCommands.Ping.class,
        SimpleCommands.PathOf.class,
        SimpleCommands.SizeOf.class,
        SimpleCommands.Send.class,
        SimpleCommands.Delete.class,
        AdminCommands.Ls.class,
        AdminCommands.Clients.class,
        AdminCommands.Stat.class,
        TopCommand.class,
        TokenCommand.class,
        DemoCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class ZerocpCli
{
    /** Options every command that talks to the daemon shares. */
    static final class Connection
    {
        private static final long STARTING_WAIT_MS = 10_000;

        @Option(names = "--socket", paramLabel = "PATH",
            description = "Daemon socket (default $ZEROCP_SOCKET or /tmp/shm_daemon.sock).")
        Path socket;

        @Option(names = "--token", paramLabel = "TOKEN", description = "Token to authenticate with (default $ZEROCP_TOKEN).")
        String token;

        @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "2000",
            description = "Give up after this long (default ${DEFAULT-VALUE}).")
        long timeoutMs;

        /** --socket, else $ZEROCP_SOCKET, else the default. */
        Path socketPath()
        {
            if (null != socket)
            {
                return socket;
            }
            final String env = System.getenv("ZEROCP_SOCKET");
            return Paths.get(null != env && !env.isEmpty() ? env : Protocol.DEFAULT_SOCKET_PATH);
        }

        /** A client with no lease: tools must not hold regions. */
        RegistryClient open()
        {
            final RegistryClient.Builder builder = RegistryClient.builder()
                .register(false)
                .timeout(Duration.ofMillis(timeoutMs));
            final Path path = socketPath();
            // Without a socket file no daemon can answer: say so now rather than after the client's retries,
            // unless one is on its way (then give its JVM time to bind, at least STARTING_WAIT_MS on a busy box).
            if (!Files.exists(path) && !(DaemonStart.underWay(path) &&
                DaemonStart.awaitSocket(path, TimeUnit.MILLISECONDS.toNanos(Math.max(timeoutMs, STARTING_WAIT_MS)))))
            {
                throw new NoDaemonException("no daemon: " + path + " does not exist; start one with bin/zerocpd" +
                    (Protocol.DEFAULT_SOCKET_PATH.equals(path.toString()) ? "" : " --socket " + path));
            }
            builder.socketPath(path);
            final String t = null != token ? token : System.getenv("ZEROCP_TOKEN");
            if (null != t && !t.isEmpty())
            {
                builder.token(t);
            }
            return builder.build();
        }
    }

    /** No socket file where the daemon should be. */
    static final class NoDaemonException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        NoDaemonException(final String message)
        {
            super(message);
        }
    }

    private ZerocpCli()
    {
    }

    static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new ZerocpCli());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            cmd.getErr().println("zerocp: " + ex.getMessage());
            return 1;
        });
        return commandLine;
    }

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }
}
