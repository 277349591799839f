#!/usr/bin/env bash
# Runs the whole zerocp benchmark suite and prints one report (markdown) on stdout; every ratio in it comes from
# figures measured in this run, side by side (C and Aeron included).
#
#   benchmarks/run.sh                  # everything, about 10 minutes on 2 cores
#   benchmarks/run.sh --quick          # short runs (under 3 minutes), to check that it works
#   benchmarks/run.sh --only roundtrip,peer   # parts: roundtrip typed peer scale garbage startup cleanup profile
#   benchmarks/run.sh --transports junixsocket,native   # zerocpd --transport values to measure (first = the one
#                                      # every other part uses); "default" runs zerocpd without the flag
#   benchmarks/run.sh --update-docs    # also writes the report into docs/benchmarks.md (between its markers)
#
# Builds quietly with Maven first (offline when the dependencies are cached), on the newest JDK >= 22 under
# /usr/lib/jvm (or ZEROCP_BENCH_JAVA_HOME, or the default java), which then runs every JVM of the suite. The build
# goes to each module's target/bench-jdk<N>/ (the pom's zerocp.build.directory), never to Maven's own target/, so a
# `mvn verify` on another JDK afterwards neither loads these classes nor rebuilds them. Builds the
# C programs (the C baselines vendored in benchmarks/c/baseline, or ZEROCP_BASELINE, plus benchmarks/c) into
# benchmarks/target/c when gcc is there; without gcc the report says so and has no "×C" figures. Results, the PNG
# plot, JMH/JFR/perf outputs and process logs go to benchmarks/target/bench-results/.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# The newest JDK with a feature version >= 22, else the default java.
pick_java_home() {
    if [ -n "${ZEROCP_BENCH_JAVA_HOME:-}" ]; then echo "$ZEROCP_BENCH_JAVA_HOME"; return; fi
    local best="" best_v=0 home v
    for home in /usr/lib/jvm/*/; do
        home="${home%/}"
        [ -x "$home/bin/java" ] || continue
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null || true)
        if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "$best_v" ]; then best="$home"; best_v="$v"; fi
    done
    if [ -n "$best" ]; then echo "$best"; else dirname "$(dirname "$(readlink -f "$(command -v java)")")"; fi
}
export JAVA_HOME="$(pick_java_home)"
JAVA="$JAVA_HOME/bin/java"
echo "[bench] JDK: $JAVA_HOME ($("$JAVA" -version 2>&1 | head -1))" >&2

JDK_FEATURE=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release" 2>/dev/null || true)
BUILD_DIR="target/bench-jdk${JDK_FEATURE:-x}"
echo "[bench] building (mvn package -pl benchmarks -am, tests skipped, into */$BUILD_DIR)" >&2
MVN_ARGS=(-q -B package -DskipTests -Dzerocp.build.directory="$BUILD_DIR" -pl benchmarks -am)
mvn -o "${MVN_ARGS[@]}" >/dev/null 2>&1 || mvn "${MVN_ARGS[@]}"

C_ARGS=()
# The machine's C baselines (uds_dgram_echo, shm_spsc, frame_handoff), vendored from the shared baseline folder.
BASELINE="${ZEROCP_BASELINE:-$ROOT/benchmarks/c/baseline}"
C_DIR="$ROOT/benchmarks/target/c"
if ! command -v gcc >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
    C_ARGS=(--no-c "no gcc or make on this machine")
elif [ ! -f "$BASELINE/uds_dgram_echo.c" ]; then
    C_ARGS=(--no-c "no C baselines at $BASELINE")
else
    rm -rf "$C_DIR" && mkdir -p "$C_DIR"
    cp -r "$BASELINE"/. "$C_DIR"/ && chmod -R u+w "$C_DIR"
    if make -s -C "$C_DIR" shm_spsc frame_handoff >"$C_DIR/build.log" 2>&1 &&
        gcc -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-function -I"$C_DIR" -o "$C_DIR/dgram_turns" \
            "$ROOT/benchmarks/c/dgram_turns.c" >>"$C_DIR/build.log" 2>&1; then
        C_ARGS=(--c-dir "$C_DIR")
        echo "[bench] C programs built in $C_DIR" >&2
    else
        C_ARGS=(--no-c "the C programs did not build (see $C_DIR/build.log)")
        echo "[bench] could not build the C programs; running without them (see $C_DIR/build.log)" >&2
    fi
fi

CP="benchmarks/$BUILD_DIR/classes:benchmarks/$BUILD_DIR/lib/*"
exec "$JAVA" $("$JAVA" -cp "$CP" io.zerocp.benchmarks.JvmFlags) -Xmx512m -cp "$CP" io.zerocp.benchmarks.Suite \
    --repo "$ROOT" --build-dir "$BUILD_DIR" --aeron-jar "$ROOT/benchmarks/$BUILD_DIR/aeron/aeron-all.jar" \
    --transports "${ZEROCP_TRANSPORTS:-junixsocket}" "${C_ARGS[@]}" "$@"
