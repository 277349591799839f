package io.zerocp.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code zerocp token}: a new random token and the line to paste into the config's {@code tokens}. Only the hash goes
 * into the config; the token itself is printed once, for the client.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Print a new random token and the config entry (its SHA-256) to paste into \"tokens\".")
final class TokenCommand implements Callable<Integer>
{
    @Option(names = "--id", defaultValue = "client", description = "Token id in the config (default ${DEFAULT-VALUE}).")
    String id;

    @Option(names = "--allow", defaultValue = "*", split = ",",
        description = "Name patterns this token may use (default ${DEFAULT-VALUE}).")
    List<String> allow;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call()
    {
        final TokenGenerator.NewToken token = new TokenGenerator().generate(id, allow);
        final PrintWriter out = spec.commandLine().getOut();
        out.println("token:  " + token.token());
        out.println("config: " + token.configEntry());
        out.flush();
        return 0;
    }
}
