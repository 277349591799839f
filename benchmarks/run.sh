#!/usr/bin/env bash
# Runs the whole zerocp benchmark suite and prints one report (markdown) on stdout.
#
#   benchmarks/run.sh            # full suite, a few minutes
#   benchmarks/run.sh --quick    # shorter runs, for checking that it works
#   benchmarks/run.sh --only roundtrip,startup   # parts: roundtrip scale garbage startup cleanup profile
#
# Builds quietly with Maven first (offline when the dependencies are cached). Results, the PNG plot, JMH/JFR/perf
# outputs and process logs go to benchmarks/target/bench-results/. The C baseline (uds_dgram_echo) is copied from
# the shared baselines (ZEROCP_BASELINE, default ../shared/baseline beside the repo) and built with gcc when present.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

echo "[bench] building (mvn package -pl benchmarks -am, tests skipped)" >&2
mvn -o -q -B package -DskipTests -pl benchmarks -am >/dev/null 2>&1 || mvn -q -B package -DskipTests -pl benchmarks -am

C_ARGS=()
BASELINE="${ZEROCP_BASELINE:-$ROOT/../shared/baseline}"
[ -d "$BASELINE" ] || BASELINE=/work/shared/baseline
if command -v gcc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 && [ -f "$BASELINE/uds_dgram_echo.c" ]; then
    C_DIR="$(mktemp -d /tmp/zerocp-cbaseline-XXXXXX)"
    trap 'rm -rf "$C_DIR"' EXIT
    cp -r "$BASELINE"/. "$C_DIR"/
    chmod -R u+w "$C_DIR"
    if make -s -C "$C_DIR" uds_dgram_echo >/dev/null 2>&1; then
        C_ARGS=(--c-binary "$C_DIR/uds_dgram_echo")
    else
        echo "[bench] could not build the C baseline; running without it" >&2
    fi
else
    echo "[bench] no gcc or no C baseline at $BASELINE; running without it" >&2
fi

CP="benchmarks/target/classes:benchmarks/target/lib/*"
java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xmx512m -cp "$CP" io.zerocp.bench.Suite \
    --repo "$ROOT" "${C_ARGS[@]}" "$@"
