# Finding JDKs by feature version; sourced by the launchers and .ci/run. JAVA_HOME, when set, is the first candidate.
# shellcheck shell=bash

# Prints "<feature> <home>" for each JDK found (JAVA_HOME, the java on PATH, /usr/lib/jvm/*, /usr/java/*, /opt/java/*).
zerocp_list_jdks() {
  local candidates=() home java version
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    java=$(readlink -f "$(command -v java)")
    candidates+=("${java%/bin/java}")
  fi
  for home in /usr/lib/jvm/* /usr/java/* /opt/java/*; do
    [ -d "$home" ] && candidates+=("$home")
  done
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null || true)
    [ -n "$version" ] && echo "$version $(readlink -f "$home")"
  done
}

# The newest JDK home of at least feature $1, or nothing.
zerocp_newest_jdk_home() {
  zerocp_list_jdks | awk -v min="$1" '$1 >= min { print }' | sort -n -k1,1 | tail -n 1 | cut -d' ' -f2-
}

# A JDK home of exactly feature $1, or nothing.
zerocp_jdk_home_for() {
  zerocp_list_jdks | awk -v want="$1" '$1 == want { print }' | tail -n 1 | cut -d' ' -f2-
}
