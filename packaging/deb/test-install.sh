#!/usr/bin/env bash
# The Debian package end to end, as CI runs it (as root; it changes the machine, so never from the README's test
# command): install packaging/target/zerocp_*_all.deb (or $1), check what it installed (the zerocp system user and
# group, /etc/zerocp, the units, enabled), start the daemon as the service user with the unit's own ExecStart line
# under systemd-socket-activate (no systemd runs in CI; it binds the socket as zerocpd.socket would and execs the
# daemon on the first datagram), ask it for a region as another user in group zerocp, check that a user outside the
# group cannot reach it, stop it with SIGTERM, `dpkg --purge`, and check that no file, unit, enablement or
# /etc/zerocp is left. The zerocp user and group stay, as Debian leaves system users.
#
# Only the socket path differs from the unit's (ListenDatagram= and --socket, both /tmp/shm_daemon.sock there): a
# private path, so that a daemon of the machine's own cannot be in the way. Needs dpkg, adduser, setpriv and
# systemd-socket-activate (package systemd); installs the missing ones with apt-get. Prints PASS or FAIL.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
deb="${1:-$(ls "$root"/packaging/target/zerocp_*_all.deb 2>/dev/null | head -1)}"
[ "$(id -u)" = 0 ] || { echo "test-install: FAIL: run as root (it installs a package)"; exit 1; }
[ -f "$deb" ] || { echo "test-install: FAIL: no package (mvn -B -DskipTests package makes packaging/target/zerocp_*_all.deb)"; exit 1; }

missing=()
command -v dpkg >/dev/null || missing+=(dpkg)
command -v adduser >/dev/null || missing+=(adduser)
command -v setpriv >/dev/null || missing+=(util-linux)
command -v systemd-socket-activate >/dev/null || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-install: installing ${missing[*]}"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if dpkg -s zerocp >/dev/null 2>&1; then
  echo "test-install: FAIL: package zerocp is already installed here; remove it first (dpkg --purge zerocp)"
  exit 1
fi
for path in /etc/zerocp /dev/shm/.zerocpd; do
  [ ! -e "$path" ] || { echo "test-install: FAIL: $path exists before the test"; exit 1; }
done

work="$(mktemp -d /tmp/zerocp-deb-test-XXXXXX)"
chmod 0755 "$work"
activator=""
installed=""
cleanup() {
  if [ -n "$activator" ]; then kill -TERM "$activator" 2>/dev/null || true; wait "$activator" 2>/dev/null || true; fi
  if [ -n "$installed" ] && dpkg -s zerocp >/dev/null 2>&1; then dpkg --purge zerocp >/dev/null 2>&1 || true; fi
  rm -rf "$work" /tmp/hsperfdata_zerocp /dev/shm/ci_region_shm
  return 0
}
trap cleanup EXIT
fail() {
  echo "test-install: FAIL: $*"
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log"; cat "$log"; }; done
  exit 1
}

echo "test-install: dpkg -i $(basename "$deb")"
installed=1
dpkg -i "$deb" >"$work/dpkg-install.log" 2>&1 || fail "dpkg -i failed"
dpkg -L zerocp | sort >"$work/files"

# What the package installed.
getent group zerocp >/dev/null || fail "no group zerocp"
uid="$(id -u zerocp)" || fail "no user zerocp"
[ "$uid" -lt 1000 ] || fail "zerocp is not a system user (uid $uid)"
[ "$(id -gn zerocp)" = zerocp ] || fail "zerocp's primary group is $(id -gn zerocp)"
for path in /etc/zerocp/zerocpd.json /lib/systemd/system/zerocpd.service /lib/systemd/system/zerocpd.socket \
    /usr/bin/zerocpd /usr/bin/zerocp; do
  [ -e "$path" ] || fail "$path not installed"
done
[ -L /etc/systemd/system/sockets.target.wants/zerocpd.socket ] || fail "zerocpd.socket is not enabled"
[ -L /etc/systemd/system/multi-user.target.wants/zerocpd.service ] || fail "zerocpd.service is not enabled"
grep -qx /etc/zerocp/zerocpd.json /var/lib/dpkg/info/zerocp.conffiles || fail "the config is not a conffile"

# The unit's own command line and environment, on a private socket path.
unit=/lib/systemd/system/zerocpd.service
listen="$(sed -n 's/^ListenDatagram=//p' /lib/systemd/system/zerocpd.socket)"
fdname="$(sed -n 's/^FileDescriptorName=//p' /lib/systemd/system/zerocpd.socket)"
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
user="$(sed -n 's/^User=//p' "$unit")"
group="$(sed -n 's/^Group=//p' "$unit")"
[ -n "$listen" ] && [ -n "$exec_start" ] && [ "$user" = zerocp ] && [ "$group" = zerocp ] ||
  fail "unexpected units: ListenDatagram='$listen' ExecStart='$exec_start' User='$user' Group='$group'"
case " $exec_start " in *" --socket $listen "*) ;; *) fail "ExecStart does not serve ListenDatagram=$listen";; esac
socket="$work/zerocpd.sock"
exec_start="${exec_start//$listen/$socket}"
env_args=()
while IFS= read -r assignment; do env_args+=(-E "$assignment"); done < <(sed -n 's/^Environment=//p' "$unit")
echo "test-install: as $user:$group: systemd-socket-activate --datagram -l $socket $exec_start"
chgrp zerocp "$work" && chmod 0770 "$work"
# shellcheck disable=SC2086
setpriv --reuid="$user" --regid="$group" --init-groups \
  systemd-socket-activate --datagram -l "$socket" --fdname="$fdname" "${env_args[@]}" $exec_start \
  >"$work/zerocpd.log" 2>&1 &
activator=$!
for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "systemd-socket-activate did not bind $socket"
# What the socket unit's SocketMode=0660 (SocketUser=/SocketGroup=zerocp) makes of it; systemd-socket-activate
# leaves the file 0644.
chmod "$(sed -n 's/^SocketMode=//p' /lib/systemd/system/zerocpd.socket)" "$socket"

# A client of another uid in group zerocp (nobody, with zerocp as supplementary group): its first datagram starts
# the daemon, which then answers it.
gid="$(getent group zerocp | cut -d: -f3)"
as_member=(setpriv --reuid=nobody --regid=nogroup --groups="$gid" env HOME=/nonexistent)
ping=""
for _ in $(seq 1 60); do
  ping="$("${as_member[@]}" /usr/bin/zerocp ping --socket "$socket" --timeout-ms=2000 2>>"$work/client.log" || true)"
  [ "$ping" = PONG ] && break
  kill -0 "$activator" 2>/dev/null || fail "the daemon exited"
  sleep 0.5
done
[ "$ping" = PONG ] || fail "no PONG from the daemon (got '$ping')"
# The package's jars carry the JDK 22+ native transport whatever JDK built them; the launcher picks a JDK 22+ when
# there is one (CI has one; ZEROCP_TEST_INSTALL_TRANSPORT=junixsocket for a machine with none).
transport="${ZEROCP_TEST_INSTALL_TRANSPORT:-native}"
grep -q "zerocpd listening on $socket ($transport" "$work/zerocpd.log" ||
  fail "the daemon did not say it listens on $socket ($transport"
grep -o "zerocpd listening on [^,]*" "$work/zerocpd.log" | sed 's/^/test-install: /'
path="$("${as_member[@]}" /usr/bin/zerocp path ci_region 4096 --socket "$socket" 2>>"$work/client.log")" ||
  fail "the group member's GET_SHM_PATH failed"
[ "$path" = /dev/shm/ci_region_shm ] || fail "the group member got '$path' for ci_region"
echo "test-install: a member of group zerocp got $path"
if setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
    /usr/bin/zerocp ping --socket "$socket" --timeout-ms=1000 >/dev/null 2>&1; then
  fail "a user outside group zerocp reached the daemon"
fi

# Stop it as systemd would (KillSignal=SIGTERM): a clean stop exits 0.
kill -TERM "$activator"
status=0
wait "$activator" || status=$?
activator=""
[ "$status" = 0 ] || [ "$status" = 143 ] || fail "the daemon exited with $status after SIGTERM"
grep -q "zerocpd stopped" "$work/zerocpd.log" || fail "the daemon did not log its stop"

echo "test-install: dpkg --purge zerocp"
dpkg --purge zerocp >"$work/dpkg-purge.log" 2>&1 || fail "dpkg --purge failed"
installed=""
! dpkg -s zerocp >/dev/null 2>&1 || fail "zerocp still known to dpkg after the purge"
left=""
while IFS= read -r path; do
  if [ -d "$path" ]; then continue; fi # shared directories (/usr/bin, /lib/systemd/system, /lib -> usr/lib, ...)
  if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done <"$work/files"
for path in /etc/zerocp /usr/share/zerocp /usr/share/doc/zerocp /var/cache/zerocp /dev/shm/.zerocpd \
    /etc/systemd/system/sockets.target.wants/zerocpd.socket /etc/systemd/system/multi-user.target.wants/zerocpd.service \
    /etc/systemd/system/zerocpd.socket /etc/systemd/system/zerocpd.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done
left="$left $(find /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
  -name '*zerocpd*' 2>/dev/null | tr '\n' ' ' || true)"
# The regions the service made (the default zero_copy_framework_shm, ci_region_shm) are the service user's.
left="$left $(find /dev/shm -maxdepth 1 -user zerocp 2>/dev/null | tr '\n' ' ' || true)"
[ -z "${left// /}" ] || fail "left after the purge:$left"
echo "test-install: PASS (installed, served a group member, refused an outsider, stopped, purged; user zerocp stays)"
