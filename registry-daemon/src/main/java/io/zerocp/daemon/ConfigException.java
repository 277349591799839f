package io.zerocp.daemon;

/**
 * The configuration is wrong; the message names the key. The daemon prints it and exits, with no stack trace.
 */
public final class ConfigException extends Exception
{
    public ConfigException(final String message)
    {
        super(message, null, false, false);
    }
}
