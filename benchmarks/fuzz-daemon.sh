#!/usr/bin/env bash
# Fuzzes a separate zerocpd process with a million random and mutated datagrams (io.zerocp.benchmarks.fuzz.DaemonFuzzRun)
# and reports replies by shape and the daemon's heap, RSS, threads and descriptors. Exit 0 on PASS.
# Usage: benchmarks/fuzz-daemon.sh [datagrams (default 1000000)] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B package -pl benchmarks -am -DskipTests
exec java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  -cp "benchmarks/target/classes:benchmarks/target/lib/*" io.zerocp.benchmarks.fuzz.DaemonFuzzRun "$@"
