#!/usr/bin/env python3
"""Start-up of bin/zerocpd as a user runs it: launcher start to the first PONG, next to a bare `java -version`.

For each JDK (JAVA_HOME, which the launcher honours) and each archive mode (ZEROCP_CDS: on = the launcher's default,
appcds, off): one start that builds if needed and records the archive (not timed), then RUNS timed restarts, each
from the fork of bin/zerocpd to the first PONG answered on a private socket (PING every 2 ms from this process), then
SIGTERM and wait. `java -version` is timed the same way (fork to exit). Prints one Markdown table row per case.

  benchmarks/launcher-startup.py [--runs 5] [--jdk /usr/lib/jvm/java-17-openjdk-amd64 ...]

Switching JDK rebuilds the tree (the launcher builds with the JDK it runs on); that build is not timed.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def java_version_ms(home):
    start = time.perf_counter()
    subprocess.run([os.path.join(home, "bin", "java"), "-version"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000


def first_pong_ms(env, work, timeout_s=120):
    sock_path = os.path.join(work, "d.sock")
    shm = "/dev/shm/" + os.path.basename(work)
    me = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    me.bind(os.path.join(work, "pinger.sock"))
    me.setblocking(False)
    start = time.perf_counter()
    daemon = subprocess.Popen([os.path.join(ROOT, "bin", "zerocpd"), "--socket", sock_path, "--shm-dir", shm],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - start < timeout_s:
            try:
                me.sendto(b"PING", sock_path)
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.002)
                continue
            except BlockingIOError:
                pass  # its queue is full of our earlier PINGs: it is bound, wait for the answers
            deadline = time.perf_counter() + 0.002
            while time.perf_counter() < deadline:
                try:
                    if me.recv(64) == b"PONG":
                        return (time.perf_counter() - start) * 1000
                except BlockingIOError:
                    time.sleep(0.0002)
            if daemon.poll() is not None:
                raise RuntimeError("zerocpd exited: " + daemon.stderr.read().decode())
        raise RuntimeError("no PONG within %d s" % timeout_s)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
        me.close()
        for leftover in ("pinger.sock", "d.sock", "d.sock.lock"):
            try:
                os.unlink(os.path.join(work, leftover))
            except FileNotFoundError:
                pass
        shutil.rmtree(shm, ignore_errors=True)


def feature(home):
    with open(os.path.join(home, "release")) as release:
        for line in release:
            if line.startswith("JAVA_VERSION="):
                return line.split("=")[1].strip().strip('"').split(".")[0]
    return "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jdk", action="append")
    args = parser.parse_args()
    jdks = args.jdk or ["/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/temurin-25-jdk-amd64"]
    print("| JDK | archive (ZEROCP_CDS) | `java -version` median ms | first PONG median ms (min-max) | ratio |")
    print("|---|---|---|---|---|")
    for home in jdks:
        modes = ["on", "off"] if int(feature(home)) < 25 else ["on", "appcds", "off"]
        for mode in modes:
            env = dict(os.environ, JAVA_HOME=home, ZEROCP_CDS=mode, ZEROCP_LOG_LEVEL="INFO")
            work = tempfile.mkdtemp(prefix="zcst-", dir="/tmp")
            try:
                first_pong_ms(env, work, timeout_s=600)  # builds and records the archive if needed
                java_version_ms(home)
                pongs, versions = [], []
                for _ in range(args.runs):  # interleaved, so load changes hit both
                    versions.append(java_version_ms(home))
                    pongs.append(first_pong_ms(env, work))
                med_v, med_p = statistics.median(versions), statistics.median(pongs)
                label = {"on": "default: " + ("AOT cache" if int(feature(home)) >= 25 else "AppCDS"),
                         "appcds": "AppCDS (dynamic)", "off": "none"}[mode]
                print("| %s | %s | %.0f | %.0f (%.0f-%.0f) | %.1fx |" % (feature(home), label, med_v, med_p,
                      min(pongs), max(pongs), med_p / med_v), flush=True)
            finally:
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
