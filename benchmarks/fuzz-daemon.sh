#!/usr/bin/env bash
# Fuzzes a separate zerocpd process with a million random and mutated datagrams (io.zerocp.daemon.fuzz.DaemonFuzzRun,
# in the daemon's test sources beside DaemonFuzzTest; both use registry-testkit's fuzzer) and reports replies by
# shape and the daemon's heap, RSS, threads and descriptors. Exit 0 on PASS.
# Usage: benchmarks/fuzz-daemon.sh [datagrams (default 1000000)] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B package -pl registry-daemon -am -DskipTests
exec java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  -cp "registry-daemon/target/test-classes:registry-daemon/target/classes:registry-testkit/target/classes:registry-daemon/target/lib/*" \
  io.zerocp.daemon.fuzz.DaemonFuzzRun "$@"
