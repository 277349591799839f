package io.zerocp.api;

import java.util.List;

/**
 * The JVM flags every process that uses the zerocp client (Agrona) needs, for whoever starts such a JVM: launchers,
 * tests, samples. Agrona 2.x reads {@code jdk.internal.misc.Unsafe}; from JDK 22 junixsocket's native library also
 * needs native access to load without warnings, a flag JDK 17 rejects.
 */
public final class RequiredJvmFlags
{
    private RequiredJvmFlags()
    {
    }

    /** @return the flags for a JVM of this JVM's feature version. */
    public static List<String> forThisJvm()
    {
        return forFeatureVersion(Runtime.version().feature());
    }

    /** @return the flags for a JVM of the given feature version (17, 21, 25...). */
    public static List<String> forFeatureVersion(final int feature)
    {
        return feature >= 22 ?
            List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED") :
            List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");
    }
}
