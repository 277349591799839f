# Shared by bin/zerocpd and bin/zerocp (sourced, not run): find Java, build on first use, assemble the class path
# and the JVM flags Agrona and junixsocket need.

ZEROCP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

zerocp_java_feature() {
  local release="" home
  home="$(dirname "$(dirname "$(readlink -f "$(command -v "$JAVA")")")")"
  [ -f "$home/release" ] && release="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")"
  [ -n "$release" ] || release="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  echo "${release:-17}"
}

# Agrona 2.x reads jdk.internal.misc.Unsafe; JDK 22+ also warns about junixsocket's native library unless allowed.
zerocp_jvm_flags() {
  local flags="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
  if [ "$(zerocp_java_feature)" -ge 22 ]; then
    flags="$flags --enable-native-access=ALL-UNNAMED"
  fi
  echo "$flags"
}

# Builds (quietly) when a module was never built here, or when any pom or main source changed since the last build.
zerocp_build_if_needed() {
  local module stamp stale=""
  for module in "$@"; do
    stamp="$ZEROCP_ROOT/$module/target/.zerocp-built"
    if [ ! -f "$stamp" ] || [ ! -d "$ZEROCP_ROOT/$module/target/lib" ] ||
       [ -n "$(find "$ZEROCP_ROOT"/pom.xml "$ZEROCP_ROOT"/*/pom.xml "$ZEROCP_ROOT"/*/src/main -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
      stale=1
    fi
  done
  if [ -n "$stale" ]; then
    echo "zerocp: building (first use or sources changed)..." >&2
    (cd "$ZEROCP_ROOT" && mvn -q -B -Dstyle.color=never -DskipTests package -pl "$(IFS=,; echo "$*")" -am) >&2 || {
      echo "zerocp: build failed; run 'mvn -B -DskipTests package' in $ZEROCP_ROOT to see why" >&2
      exit 1
    }
    for module in "$@"; do touch "$ZEROCP_ROOT/$module/target/.zerocp-built"; done
  fi
}

zerocp_classpath() {
  local module="$1" jar
  jar="$(ls "$ZEROCP_ROOT/$module"/target/"$module"-*.jar | grep -v -- '-tests.jar' | head -1)"
  echo "$jar:$ZEROCP_ROOT/$module/target/lib/*"
}
