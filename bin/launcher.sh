# Shared by bin/zerocpd and bin/zerocp (sourced, not run): pick the JDK, build on first use (one launcher at a
# time), assemble the class path and the JVM flags Agrona and junixsocket need.

ZEROCP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The daemon's heap is tiny and one thread owns it: SerialGC keeps its RSS near 100 MiB where G1 grew to ~500 MiB
# under load (docs/benchmarks.md). The class-data archive must be made with the same flags it is used with.
ZEROCP_DAEMON_JVM_FLAGS="-XX:+UseSerialGC"

# The feature version (17, 25, ...) of the JDK or JRE at $1, from its release file; empty when it is not one.
zerocp_home_feature() {
  [ -x "$1/bin/java" ] && [ -f "$1/release" ] && sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  return 0
}

# Which JDK runs (and builds) zerocp: $JAVA_HOME when set; else the newest JDK >= 22 in the usual places (the daemon's
# native transport needs the foreign-function API of 22); else the `java` on the PATH. Sets ZEROCP_JAVA_HOME (empty:
# the PATH's), JAVA and ZEROCP_JAVA_FEATURE.
zerocp_select_java() {
  local home feature best="" best_feature=0
  if [ -n "${JAVA_HOME:-}" ]; then
    best="$JAVA_HOME"
  else
    for home in /usr/lib/jvm/* /usr/java/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /opt/jdk/*; do
      # A JDK, not a JRE: the launcher compiles with it. Symlinked aliases (java-1.17.0-openjdk-amd64) are skipped.
      [ -L "$home" ] || [ ! -x "$home/bin/javac" ] && continue
      feature="$(zerocp_home_feature "$home")"
      if [ -n "$feature" ] && [ "$feature" -ge 22 ] && [ "$feature" -gt "$best_feature" ]; then
        best="$home"
        best_feature="$feature"
      fi
    done
  fi
  ZEROCP_JAVA_HOME="$best"
  JAVA="${best:+$best/bin/}java"
  feature=""
  if [ -n "$best" ]; then
    feature="$(zerocp_home_feature "$best")"
  else
    home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    feature="$(zerocp_home_feature "$home")"
  fi
  [ -n "$feature" ] || feature="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  ZEROCP_JAVA_FEATURE="${feature:-17}"
}
zerocp_select_java

# Agrona 2.x reads jdk.internal.misc.Unsafe; JDK 22+ also warns about junixsocket's native library (and the native
# transport's foreign calls) unless allowed. JDK 17 rejects --enable-native-access.
zerocp_jvm_flags() {
  local flags="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
  if [ "$ZEROCP_JAVA_FEATURE" -ge 22 ]; then
    flags="$flags --enable-native-access=ALL-UNNAMED"
  fi
  echo "$flags"
}

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

# bin/zerocpd holds a shared lock on this file from its first line for as long as the daemon runs (the JVM inherits
# the descriptor through exec), so bin/zerocp can tell "a daemon from this tree is starting, wait for its socket"
# from "no daemon, say so at once".
ZEROCP_DAEMON_MARK="$ZEROCP_ROOT/target/.zerocpd-running.lock"

zerocp_mark_daemon_starting() {
  mkdir -p "$ZEROCP_ROOT/target"
  exec 7>>"$ZEROCP_DAEMON_MARK"
  flock -s 7
}

# Prints true when some bin/zerocpd of this tree is starting or running.
zerocp_daemon_marked() {
  if [ -f "$ZEROCP_DAEMON_MARK" ] && ! flock -n -x "$ZEROCP_DAEMON_MARK" true 2>/dev/null; then
    echo true
  else
    echo false
  fi
}

# The JDK feature that built a module's jar (its manifest's Build-Jdk-Spec), or empty when unknown.
zerocp_built_with() {
  local jar
  jar="$(zerocp_module_jar "$1")"
  [ -n "$jar" ] && command -v unzip >/dev/null &&
    unzip -p "$jar" META-INF/MANIFEST.MF 2>/dev/null | sed -n 's/^Build-Jdk-Spec: *\([0-9]*\).*/\1/p'
  return 0
}

# Everything a launcher runs, built together on first use: whichever launcher comes first builds for all of them, so
# one started a second later (bin/zerocp ping after bin/zerocpd &) waits once and then finds the build fresh.
ZEROCP_LAUNCHER_MODULES="registry-daemon registry-cli samples"

# Why the launchers' modules need building, or nothing when they are fresh: never built here, built by another JDK,
# or a pom or main source changed since the last build.
zerocp_stale_reason() {
  local module stamp built
  for module in $ZEROCP_LAUNCHER_MODULES; do
    stamp="$ZEROCP_ROOT/$module/target/.zerocp-built"
    if [ ! -f "$stamp" ] || [ ! -d "$ZEROCP_ROOT/$module/target/lib" ] || [ -z "$(zerocp_module_jar "$module")" ]; then
      echo "first use"
      return 0
    fi
    built="$(zerocp_built_with "$module")"
    [ -n "$built" ] || built="$(cat "$stamp")"
    if [ "$built" != "$ZEROCP_JAVA_FEATURE" ]; then
      echo "built by JDK ${built:-?}, running on JDK $ZEROCP_JAVA_FEATURE"
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
    echo "zerocp: building with JDK $ZEROCP_JAVA_FEATURE ($reason)..." >&2
    local log
    log="$(mktemp /tmp/zerocp-build-XXXXXX.log)"
    # Maven compiles with the JDK that will run: on 22+ that includes the daemon's native transport.
    (cd "$ZEROCP_ROOT" || exit 1
     [ -z "$ZEROCP_JAVA_HOME" ] || export JAVA_HOME="$ZEROCP_JAVA_HOME"
     mvn -q -B -Dstyle.color=never -DskipTests -Dzerocp.apidocs.skip=true package -pl "$(echo $ZEROCP_LAUNCHER_MODULES | tr ' ' ,)" -am) \
      >"$log" 2>&1 || {
      cat "$log" >&2
      rm -f "$log"
      echo "zerocp: build failed; run 'mvn -B -DskipTests package' in $ZEROCP_ROOT to see why" >&2
      exit 1
    }
    rm -f "$log"
    for module in $ZEROCP_LAUNCHER_MODULES; do
      echo "$ZEROCP_JAVA_FEATURE" >"$ZEROCP_ROOT/$module/target/.zerocp-built"
    done
  fi
  zerocp_unlock
}

# Class-data sharing for the daemon, one archive per JDK (a JVM silently ignores another JDK's archive). The first
# start after a build runs the daemon once (private socket and shm dir) until it listens and keeps what it loaded:
# on JDK 25+ as an ahead-of-time cache (-XX:AOTCacheOutput: classes loaded and linked, and method profiles), before
# that as a dynamic AppCDS archive. Cuts the time from start to first PONG (docs/benchmarks.md, "Start-up"). Prints
# the flags to use, or nothing. ZEROCP_CDS=off skips it.
zerocp_daemon_archive() {
  [ "${ZEROCP_CDS:-on}" = off ] && return 0
  local archive record use work pid i
  if [ "$ZEROCP_JAVA_FEATURE" -ge 25 ]; then
    archive="$ZEROCP_ROOT/registry-daemon/target/zerocpd-jdk$ZEROCP_JAVA_FEATURE.aot"
    record="-XX:AOTCacheOutput=$archive -Xlog:aot=off -Xlog:cds=off"
    use="-XX:AOTCache=$archive -Xlog:aot=off -Xlog:cds=off"
  else
    archive="$ZEROCP_ROOT/registry-daemon/target/zerocpd-jdk$ZEROCP_JAVA_FEATURE.jsa"
    record="-XX:ArchiveClassesAtExit=$archive -Xlog:cds=off"
    use="-XX:SharedArchiveFile=$archive -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
  # An archive older than the daemon's jar holds the old classes (the JVM would refuse it, silently): make it again.
  if [ ! -f "$archive" ] || [ "$(zerocp_module_jar registry-daemon)" -nt "$archive" ]; then
    zerocp_lock
    if [ ! -f "$archive" ] || [ "$(zerocp_module_jar registry-daemon)" -nt "$archive" ]; then
      rm -f "$archive"
      work="$(mktemp -d /tmp/zerocp-cds-XXXXXX)"
      # shellcheck disable=SC2046,SC2086
      "$JAVA" $(zerocp_jvm_flags) $ZEROCP_DAEMON_JVM_FLAGS $record \
        -cp "$(zerocp_classpath registry-daemon)" io.zerocp.daemon.Zerocpd --socket "$work/d.sock" \
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
  [ -f "$archive" ] && echo "$use"
  return 0
}

zerocp_module_jar() {
  ls "$ZEROCP_ROOT/$1"/target/"$1"-*.jar 2>/dev/null | grep -v -- '-tests.jar\|-sources.jar\|-javadoc.jar' | head -1
}

zerocp_classpath() {
  echo "$(zerocp_module_jar "$1"):$ZEROCP_ROOT/$1/target/lib/*"
}
