#!/usr/bin/env bash
# examples/consumer/run.sh: the client used the way another project uses it, so docs/client.md cannot rot.
#  1. installs registry-api and registry-client (with their sources and javadoc jars) into a PRIVATE local Maven
#     repository: a copy of ~/.m2/repository without io/zerocp, so ~/.m2 is never written;
#  2. builds this project (its own pom.xml, not a reactor module) against those installed artifacts;
#  3. starts a daemon from the reactor's build on a private socket and shm directory, runs the consumer, checks
#     that it passed, that SLF4J found its provider and that the region is gone once the consumer has exited.
# Prints PASS or FAIL (exit status 0 or 1) and removes everything it made.
# Environment: JAVA_HOME picks the JDK (default: the `java` on the PATH); ZEROCP_CONSUMER_ONLINE=1 lets Maven
# download what the local cache lacks (default offline: run after the reactor's own build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d /tmp/zerocp-consumer-XXXXXX)"
shm="/dev/shm/$(basename "$work")"
daemon_pid=""
started=$SECONDS

cleanup() {
  if [ -n "$daemon_pid" ]; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work" "$shm"
  return 0
}
trap cleanup EXIT

fail() {
  echo "consumer example: FAIL: $*"
  exit 1
}

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
feature="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
flags=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED)
if [ "${feature:-17}" -ge 22 ]; then
  flags+=(--enable-native-access=ALL-UNNAMED)
fi
mvn_args=(-B -q -Dstyle.color=never "-Dmaven.repo.local=$work/m2")
[ "${ZEROCP_CONSUMER_ONLINE:-0}" = 1 ] || mvn_args+=(-o)
version="$(sed -n '/<artifactId>zerocp-parent<\/artifactId>/,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' \
  "$root/pom.xml" | head -1)"
[ -n "$version" ] || fail "cannot read the project version from $root/pom.xml"

echo "consumer example: JDK $feature; private Maven repository $work/m2"
if [ -d "$HOME/.m2/repository" ]; then
  cp -a "$HOME/.m2/repository" "$work/m2"
  rm -rf "$work/m2/io/zerocp" # only what this run installs, never an older SNAPSHOT
else
  mkdir -p "$work/m2"
fi

echo "consumer example: installing registry-client $version there (no tests: the reactor's build ran them)"
(cd "$root" && mvn "${mvn_args[@]}" -DskipTests -Papidocs install -pl registry-client -am) >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "mvn install into the private repository failed"; }
for kind in "" -sources -javadoc; do
  for module in registry-api registry-client; do
    jar="$work/m2/io/zerocp/$module/$version/$module-$version$kind.jar"
    [ -f "$jar" ] || fail "not installed: $jar"
  done
done

echo "consumer example: building examples/consumer against the installed artifacts"
mkdir -p "$work/consumer"
cp -r "$here/pom.xml" "$here/src" "$work/consumer/"
(cd "$work/consumer" && mvn "${mvn_args[@]}" "-Dzerocp.version=$version" package) >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; fail "the consumer project does not build against the installed client"; }

"$java" "${flags[@]}" -cp "$root/registry-daemon/target/registry-daemon-$version.jar:$root/registry-daemon/target/lib/*" \
  io.zerocp.daemon.Zerocpd --socket "$work/d.sock" --shm-dir "$shm" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 600); do # up to a minute on a busy machine
  [ -S "$work/d.sock" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log"; fail "the daemon exited"; }
  sleep 0.1
done
[ -S "$work/d.sock" ] || { cat "$work/daemon.log"; fail "the daemon did not bind its socket within a minute"; }

echo "consumer example: running the consumer against a daemon on $work/d.sock"
status=0
"$java" "${flags[@]}" -cp "$work/consumer/target/zerocp-consumer-1.0.jar:$work/consumer/target/lib/*" \
  com.example.consumer.Consumer "$work/d.sock" >"$work/consumer.log" 2>&1 || status=$?
cat "$work/consumer.log"
[ "$status" -eq 0 ] || fail "the consumer exited with status $status"
grep -q "^consumer: OK" "$work/consumer.log" || fail "the consumer did not report OK"
! grep -q "SLF4J" "$work/consumer.log" || fail "SLF4J did not find the consumer's logging provider"
for _ in $(seq 1 100); do
  [ -e "$shm/consumer_example_shm" ] || break
  sleep 0.1
done
[ ! -e "$shm/consumer_example_shm" ] || fail "the region outlived its last holder by 10 s"

echo "consumer example: PASS ($((SECONDS - started)) s)"
