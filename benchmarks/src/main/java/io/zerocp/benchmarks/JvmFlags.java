package io.zerocp.benchmarks;

import io.zerocp.api.RequiredJvmFlags;

/** Prints the JVM flags this JDK needs for Agrona and junixsocket, one line, for run.sh. */
public final class JvmFlags
{
    private JvmFlags()
    {
    }

    public static void main(final String[] args)
    {
        System.out.println(String.join(" ", RequiredJvmFlags.forThisJvm()));
    }
}
