package io.zerocp.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * {@code zerocp token}: a new random token and the line to paste into the config's {@code tokens}. Only the hash goes
 * into the config; the token itself is printed once, for the client.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Print a new random token and the config entry (its SHA-256) to paste into \"tokens\".")
final class TokenCommand implements Callable<Integer>
{
    private static final SecureRandom RANDOM = new SecureRandom();

    @Option(names = "--id", defaultValue = "client", description = "Token id in the config (default ${DEFAULT-VALUE}).")
    String id;

    @Option(names = "--allow", defaultValue = "*", split = ",",
        description = "Name patterns this token may use (default ${DEFAULT-VALUE}).")
    String[] allow;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call()
    {
        final byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        final String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        final PrintWriter out = spec.commandLine().getOut();
        out.println("token:  " + token);
        out.println("config: " + configEntry(id, token, allow));
        out.flush();
        return 0;
    }

    static String configEntry(final String id, final String token, final String[] allow)
    {
        final StringBuilder patterns = new StringBuilder();
        for (final String p : allow)
        {
            patterns.append(patterns.length() > 0 ? ", " : "").append('"').append(p).append('"');
        }
        return "{\"id\": \"" + id + "\", \"sha256\": \"" + sha256Hex(token) + "\", \"allow\": [" + patterns + "]}";
    }

    static String sha256Hex(final String token)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
