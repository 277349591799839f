package io.zerocp.daemon;

import java.util.Locale;

/** Which {@link Transport} the daemon binds: {@code --transport}, config key {@code transport}. */
public enum TransportKind
{
    /** The native transport where the JDK (22+) and the build have it, else junixsocket. */
    AUTO,
    /** The kernel's calls through the foreign-function API; a start-up error where unavailable. */
    NATIVE,
    /** junixsocket, on any JDK: no kernel credentials (see docs/security.md). */
    JUNIXSOCKET;

    /** The default: the system property {@code zerocp.transport}, else {@link #AUTO}. */
    static TransportKind fromSystemProperty()
    {
        final String value = System.getProperty("zerocp.transport");
        return null == value || value.isEmpty() ? AUTO : parse(value);
    }

    /** @throws IllegalArgumentException naming the accepted values. */
    static TransportKind parse(final String value)
    {
        for (final TransportKind kind : values())
        {
            if (kind.name().toLowerCase(Locale.ROOT).equals(value))
            {
                return kind;
            }
        }
        throw new IllegalArgumentException("transport must be auto, native or junixsocket, not \"" + value + "\"");
    }

    @Override
    public String toString()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
