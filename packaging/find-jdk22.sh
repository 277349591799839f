#!/usr/bin/env bash
# Prints the home of the JDK (with javac) whose classes go into the distribution's META-INF/versions/22: $ZEROCP_JDK22
# when set, else the JDK running Maven ($1, its java.home) when it is 22 or later, else the newest JDK >= 22 in the
# usual places (as bin/launcher.sh looks). Prints nothing when there is none: the packaging module then fails, rather
# than ship a daemon without its native transport.
set -euo pipefail

feature() { # the feature version of the JDK at $1, from its release file; empty when not a JDK
  [ -x "$1/bin/javac" ] && [ -f "$1/release" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

if [ -n "${ZEROCP_JDK22:-}" ]; then
  v="$(feature "$ZEROCP_JDK22")"
  [ -n "$v" ] && [ "$v" -ge 22 ] && { echo "$ZEROCP_JDK22"; exit 0; }
  echo "ZEROCP_JDK22=$ZEROCP_JDK22 is not a JDK 22 or later" >&2
  exit 0
fi
v="$(feature "${1:-/nonexistent}")"
if [ -n "$v" ] && [ "$v" -ge 22 ]; then echo "$1"; exit 0; fi
best="" best_v=0
for home in /usr/lib/jvm/* /usr/java/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /opt/jdk/*; do
  [ -L "$home" ] && continue
  v="$(feature "$home")"
  if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "$best_v" ]; then best="$home"; best_v="$v"; fi
done
echo "$best"
