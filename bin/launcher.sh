# Shared by bin/zerocpd and bin/zerocp (sourced, not run): find Java, build on first use, assemble the class path
# and the JVM flags Agrona and junixsocket need.

ZEROCP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# The daemon's heap is tiny and one thread owns it: SerialGC keeps its RSS near 100 MiB where G1 grew to ~500 MiB
# under load (docs/benchmarks.md). The class-data archive must be made with the same flags it is used with.
ZEROCP_DAEMON_JVM_FLAGS="-XX:+UseSerialGC"

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
    local log
    log="$(mktemp /tmp/zerocp-build-XXXXXX.log)"
    (cd "$ZEROCP_ROOT" && mvn -q -B -Dstyle.color=never -DskipTests package -pl "$(IFS=,; echo "$*")" -am) \
      >"$log" 2>&1 || {
      cat "$log" >&2
      rm -f "$log"
      echo "zerocp: build failed; run 'mvn -B -DskipTests package' in $ZEROCP_ROOT to see why" >&2
      exit 1
    }
    rm -f "$log"
    for module in "$@"; do touch "$ZEROCP_ROOT/$module/target/.zerocp-built"; done
    rm -f "$ZEROCP_ROOT/registry-daemon/target/zerocpd.jsa"
  fi
}

# Class-data sharing for the daemon: JDK 17 cannot make an archive by itself, so the first start after a build
# runs the daemon once (private socket and shm dir) until it listens, and keeps the classes it loaded. Halves the
# time from start to first PONG (docs/benchmarks.md). Prints the flag to use, or nothing.
zerocp_daemon_archive() {
  local jsa="$ZEROCP_ROOT/registry-daemon/target/zerocpd.jsa" work pid i
  if [ ! -f "$jsa" ]; then
    work="$(mktemp -d /tmp/zerocp-cds-XXXXXX)"
    # shellcheck disable=SC2046
    "$JAVA" $(zerocp_jvm_flags) $ZEROCP_DAEMON_JVM_FLAGS -XX:ArchiveClassesAtExit="$jsa" -Xlog:cds=off \
      -cp "$(zerocp_classpath registry-daemon)" io.zerocp.daemon.Zerocpd --socket "$work/d.sock" \
      --shm-dir "/dev/shm/$(basename "$work")" >"$work/log" 2>&1 &
    pid=$!
    for i in $(seq 1 100); do
      grep -q "zerocpd listening" "$work/log" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$work" "/dev/shm/$(basename "$work")"
  fi
  [ -f "$jsa" ] && echo "-XX:SharedArchiveFile=$jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
  return 0
}

zerocp_classpath() {
  local module="$1" jar
  jar="$(ls "$ZEROCP_ROOT/$module"/target/"$module"-*.jar | grep -v -- '-tests.jar' | head -1)"
  echo "$jar:$ZEROCP_ROOT/$module/target/lib/*"
}
