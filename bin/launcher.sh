# Shared by bin/zerocpd and bin/zerocp (sourced, not run): pick the JDK, build on first use (one launcher at a
# time), assemble the class path and the JVM flags Agrona and junixsocket need.

ZEROCP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The daemon's heap is tiny and one thread owns it: SerialGC keeps its RSS near 100 MiB where G1 grew to ~500 MiB
# under load (docs/benchmarks.md). The class-data archive must be made with the same flags it is used with.
ZEROCP_DAEMON_JVM_FLAGS="-XX:+UseSerialGC"

# Sets ZEROCP_HOME_FEATURE to the feature version (17, 25, ...) of the JDK or JRE at $1, read from its release
# file; empty when it is not one. No subprocess: the launchers run this on every start.
zerocp_home_feature() {
  local line
  ZEROCP_HOME_FEATURE=""
  [ -x "$1/bin/java" ] && [ -f "$1/release" ] || return 0
  while IFS= read -r line; do
    case "$line" in
      JAVA_VERSION=*) line="${line#JAVA_VERSION=\"}"; ZEROCP_HOME_FEATURE="${line%%[!0-9]*}"; return 0 ;;
    esac
  done <"$1/release"
  return 0
}

# Which JDK runs (and builds) zerocp: $JAVA_HOME when set; else the newest JDK >= 22 in the usual places (the daemon's
# native transport needs the foreign-function API of 22); else the `java` on the PATH. Sets ZEROCP_JAVA_HOME (empty:
# the PATH's), JAVA and ZEROCP_JAVA_FEATURE.
zerocp_select_java() {
  local home best="" best_feature=0
  if [ -n "${JAVA_HOME:-}" ]; then
    best="$JAVA_HOME"
  else
    for home in /usr/lib/jvm/* /usr/java/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /opt/jdk/*; do
      # A JDK, not a JRE: the launcher compiles with it. Symlinked aliases (java-1.17.0-openjdk-amd64) are skipped.
      [ -L "$home" ] || [ ! -x "$home/bin/javac" ] && continue
      zerocp_home_feature "$home"
      if [ -n "$ZEROCP_HOME_FEATURE" ] && [ "$ZEROCP_HOME_FEATURE" -ge 22 ] &&
         [ "$ZEROCP_HOME_FEATURE" -gt "$best_feature" ]; then
        best="$home"
        best_feature="$ZEROCP_HOME_FEATURE"
      fi
    done
  fi
  ZEROCP_JAVA_HOME="$best"
  JAVA="${best:+$best/bin/}java"
  if [ -n "$best" ]; then
    zerocp_home_feature "$best"
  else
    zerocp_home_feature "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
  if [ -z "$ZEROCP_HOME_FEATURE" ]; then
    ZEROCP_HOME_FEATURE="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  fi
  ZEROCP_JAVA_FEATURE="${ZEROCP_HOME_FEATURE:-17}"
}
zerocp_select_java

# Agrona 2.x reads jdk.internal.misc.Unsafe; JDK 22+ also warns about junixsocket's native library (and the native
# transport's foreign calls) unless allowed. JDK 17 rejects --enable-native-access.
ZEROCP_JVM_FLAGS="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
if [ "$ZEROCP_JAVA_FEATURE" -ge 22 ]; then
  ZEROCP_JVM_FLAGS="$ZEROCP_JVM_FLAGS --enable-native-access=ALL-UNNAMED"
fi

# Serializes builds and archive making between launchers started together (bin/zerocpd & bin/zerocp ping): the
# second waits for the first, then finds the build fresh. The lock is on a file under the root target/ (git-ignored);
# it is released when the process exits or when zerocp_unlock closes it.
zerocp_lock() {
  ZEROCP_LOCK_DEPTH=$(( ${ZEROCP_LOCK_DEPTH:-0} + 1 ))
  [ "$ZEROCP_LOCK_DEPTH" -eq 1 ] || return 0 # re-entrant: bin/zerocpd holds it across build and archive
  mkdir -p "$ZEROCP_ROOT/target"
  exec 9>"$ZEROCP_ROOT/target/.zerocp-build.lock"
  if ! flock -n 9; then
    echo "zerocp: waiting for another launcher (building, or recording the daemon's class-data archive)..." >&2
    flock 9
  fi
}

zerocp_unlock() {
  ZEROCP_LOCK_DEPTH=$(( ZEROCP_LOCK_DEPTH - 1 ))
  [ "$ZEROCP_LOCK_DEPTH" -eq 0 ] && exec 9>&-
  return 0
}

# bin/zerocpd holds a shared lock on a mark file for its socket from its first line for as long as the daemon runs
# (the JVM inherits the descriptor through exec), so bin/zerocp can tell "a daemon for this socket is starting: wait
# for the socket file" from "no daemon: say so at once". Marks are files under the root target/, one per socket path
# (by checksum); a daemon whose socket is only in its --config file marks "any" socket.

# Sets ZEROCP_SOCKET_KEY for the socket named by the arguments after $1 (--socket P, --socket=P), else $1 (the
# default: the daemon's is /tmp/shm_daemon.sock, the tools' $ZEROCP_SOCKET or that); "any" when a --config file may
# name it instead.
zerocp_socket_key() {
  local socket="$1" named="" config="" previous="" arg
  shift
  for arg in "$@"; do
    case "$previous" in
      --socket) socket="$arg"; named=1 ;;
    esac
    case "$arg" in
      --socket=*) socket="${arg#--socket=}"; named=1 ;;
      --config|--config=*) config=1 ;;
    esac
    previous="$arg"
  done
  if [ -n "$config" ] && [ -z "$named" ]; then
    ZEROCP_SOCKET_KEY=any
  else
    ZEROCP_SOCKET_KEY="$(realpath -m -- "$socket" | cksum | cut -d' ' -f1)"
  fi
}

zerocp_mark_daemon_starting() {
  zerocp_socket_key /tmp/shm_daemon.sock "$@"
  mkdir -p "$ZEROCP_ROOT/target"
  exec 7>>"$ZEROCP_ROOT/target/.zerocpd-socket-$ZEROCP_SOCKET_KEY.lock"
  flock -s 7
}

# Prints true when some bin/zerocpd of this tree is starting (or running) for the socket the arguments name.
zerocp_daemon_marked() {
  local key mark
  zerocp_socket_key "${ZEROCP_SOCKET:-/tmp/shm_daemon.sock}" "$@"
  for key in "$ZEROCP_SOCKET_KEY" any; do
    mark="$ZEROCP_ROOT/target/.zerocpd-socket-$key.lock"
    if [ -f "$mark" ] && ! flock -n -x "$mark" true 2>/dev/null; then
      echo true
      return 0
    fi
  done
  echo false
}

# Everything a launcher runs, built together on first use: whichever launcher comes first builds for all of them, so
# one started a second later (bin/zerocp ping after bin/zerocpd &) waits once and then finds the build fresh.
ZEROCP_LAUNCHER_MODULES="registry-daemon registry-cli samples"

# The launchers build into a directory of their own per JDK, <module>/target/launcher-jdk<N> (the pom's
# zerocp.build.directory), never into Maven's target/: a `mvn verify` on the PATH's JDK 17 after a launcher's JDK 25
# build would otherwise find classes "up to date" that it cannot load (class file version 66), and every switch
# between the two would rebuild. `mvn clean` removes these too; the next start builds again.
ZEROCP_BUILD_DIR="target/launcher-jdk$ZEROCP_JAVA_FEATURE"

# Why the launchers' modules need building, or nothing when they are fresh: never built here for this JDK, or a pom
# or main source changed since the last build.
zerocp_stale_reason() {
  local module stamp
  for module in $ZEROCP_LAUNCHER_MODULES; do
    stamp="$ZEROCP_ROOT/$module/$ZEROCP_BUILD_DIR/.zerocp-built"
    zerocp_module_jar "$module"
    if [ ! -f "$stamp" ] || [ ! -d "$ZEROCP_ROOT/$module/$ZEROCP_BUILD_DIR/lib" ] || [ -z "$ZEROCP_MODULE_JAR" ]; then
      echo "first use with JDK $ZEROCP_JAVA_FEATURE"
      return 0
    fi
  done
  # All stamps are written together: one of them dates the last build.
  if [ -n "$(find "$ZEROCP_ROOT"/pom.xml "$ZEROCP_ROOT"/*/pom.xml "$ZEROCP_ROOT"/*/src/main -newer "$stamp" -type f \
      2>/dev/null | head -1)" ]; then
    echo "sources changed"
  fi
  return 0
}

zerocp_build_if_needed() {
  local module reason
  zerocp_lock
  reason="$(zerocp_stale_reason)"
  if [ -n "$reason" ]; then
    echo "zerocp: building with JDK $ZEROCP_JAVA_FEATURE into */$ZEROCP_BUILD_DIR ($reason)..." >&2
    local log
    log="$(mktemp /tmp/zerocp-build-XXXXXX.log)"
    # Maven compiles with the JDK that will run: on 22+ that includes the daemon's native transport.
    (cd "$ZEROCP_ROOT" || exit 1
     [ -z "$ZEROCP_JAVA_HOME" ] || export JAVA_HOME="$ZEROCP_JAVA_HOME"
     mvn -q -B -Dstyle.color=never -DskipTests -Dzerocp.apidocs.skip=true \
       -Dzerocp.build.directory="$ZEROCP_BUILD_DIR" package \
       -pl "$(echo $ZEROCP_LAUNCHER_MODULES | tr ' ' ,)" -am) \
      >"$log" 2>&1 || {
      cat "$log" >&2
      rm -f "$log"
      echo "zerocp: build failed; run 'mvn -B -DskipTests package' in $ZEROCP_ROOT to see why" >&2
      exit 1
    }
    rm -f "$log"
    for module in $ZEROCP_LAUNCHER_MODULES; do
      echo "$ZEROCP_JAVA_FEATURE" >"$ZEROCP_ROOT/$module/$ZEROCP_BUILD_DIR/.zerocp-built"
    done
  fi
  zerocp_unlock
}

# Class-data sharing for the daemon, one archive per JDK (a JVM silently ignores another JDK's archive). The first
# start after a build runs the daemon once (private socket and shm dir) until it listens and keeps what it loaded:
# on JDK 25+ as an ahead-of-time cache (-XX:AOTCacheOutput: classes loaded and linked, and method profiles), before
# that as a dynamic AppCDS archive. Cuts the time from start to first PONG (docs/benchmarks.md, "Start-up"). Sets
# ZEROCP_ARCHIVE_FLAGS to the flags to use, or to nothing. ZEROCP_CDS=off skips it; ZEROCP_CDS=appcds makes a dynamic AppCDS archive on JDK 25
# too (to compare, see docs/benchmarks.md).
zerocp_daemon_archive() {
  ZEROCP_ARCHIVE_FLAGS=""
  [ "${ZEROCP_CDS:-on}" = off ] && return 0
  local archive record use work pid i
  if [ "$ZEROCP_JAVA_FEATURE" -ge 25 ] && [ "${ZEROCP_CDS:-on}" != appcds ]; then
    archive="$ZEROCP_ROOT/registry-daemon/$ZEROCP_BUILD_DIR/zerocpd.aot"
    record="-XX:AOTCacheOutput=$archive -Xlog:aot=off -Xlog:cds=off"
    use="-XX:AOTCache=$archive -Xlog:aot=off -Xlog:cds=off"
  else
    archive="$ZEROCP_ROOT/registry-daemon/$ZEROCP_BUILD_DIR/zerocpd.jsa"
    record="-XX:ArchiveClassesAtExit=$archive -Xlog:cds=off"
    use="-XX:SharedArchiveFile=$archive -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
  # An archive older than the daemon's jar holds the old classes (the JVM would refuse it, silently): make it again.
  zerocp_module_jar registry-daemon
  if [ ! -f "$archive" ] || [ "$ZEROCP_MODULE_JAR" -nt "$archive" ]; then
    zerocp_lock
    if [ ! -f "$archive" ] || [ "$ZEROCP_MODULE_JAR" -nt "$archive" ]; then
      rm -f "$archive"
      work="$(mktemp -d /tmp/zerocp-cds-XXXXXX)"
      # shellcheck disable=SC2046,SC2086
      "$JAVA" $ZEROCP_JVM_FLAGS $ZEROCP_DAEMON_JVM_FLAGS $record \
        -cp "$ZEROCP_MODULE_JAR:$ZEROCP_ROOT/registry-daemon/$ZEROCP_BUILD_DIR/lib/*" io.zerocp.daemon.Zerocpd --socket "$work/d.sock" \
        --shm-dir "/dev/shm/$(basename "$work")" >"$work/log" 2>&1 &
      pid=$!
      for i in $(seq 1 150); do
        grep -q "zerocpd listening" "$work/log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      rm -rf "$work" "/dev/shm/$(basename "$work")"
    fi
    zerocp_unlock
  fi
  [ -f "$archive" ] && ZEROCP_ARCHIVE_FLAGS="$use"
  return 0
}

# Sets ZEROCP_MODULE_JAR to a module's main jar (not its tests, sources or javadoc), or empty.
zerocp_module_jar() {
  local jar
  ZEROCP_MODULE_JAR=""
  for jar in "$ZEROCP_ROOT/$1/$ZEROCP_BUILD_DIR/$1"-*.jar; do
    case "$jar" in
      *-tests.jar|*-sources.jar|*-javadoc.jar) ;;
      *) [ -f "$jar" ] && ZEROCP_MODULE_JAR="$jar" && return 0 ;;
    esac
  done
  return 0
}

zerocp_classpath() {
  zerocp_module_jar "$1"
  echo "$ZEROCP_MODULE_JAR:$ZEROCP_ROOT/$1/$ZEROCP_BUILD_DIR/lib/*"
}
