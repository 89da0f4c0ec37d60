#!/usr/bin/env python3
"""CPU per received packet of one stream, for several clients in the same run (issue 10's
first target): `pppp stream`, aiopppp 0.2.3, and a bare C receiver (blocking recvfrom, and
recvmmsg after a 0.5 ms pause). A benchmark, not a test: it prints a table.

    python3 benches/stream_cpu.py [--seconds 20] [--fps 30] [--frame-size 60000]

Each client gets a fresh `pppp camera --psk camera` on a random loopback address, port 32108
(aiopppp only searches that port). CPU is the client process's user+system time
(getrusage of the waited child); packets are the datagrams the camera sent during the run
(everything the client had to receive). Needs target/release/pppp, gcc, and the aiopppp venv
that scripts/interop-aiopppp.sh creates (created here when missing).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PPPP = os.path.join(ROOT, "target/release/pppp")
BARE = os.path.join(ROOT, "target/bare_receiver")
VENV = os.path.join(ROOT, "target/venv-interop")
UID = "DGOA-123456-ABCDE"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def camera(host: str, args: argparse.Namespace) -> subprocess.Popen[str]:
    p = subprocess.Popen(
        [PPPP, "camera", "--bind", host, "--lan-port", "32108", "--psk", "camera",
         "--fps", str(args.fps), "--frame-size", str(args.frame_size),
         "--width", "640", "--height", "480", "--duration", str(args.seconds + 60)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.stdout is not None
    line = p.stdout.readline()
    if "listening" not in line:
        raise SystemExit(f"the camera did not start: {line}")
    return p


def stop_camera(p: subprocess.Popen[str]) -> int:
    """Stops the camera; returns the datagrams it sent."""
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    m = re.search(r"(\d+) datagrams sent", out)
    if not m:
        raise SystemExit(f"no camera summary in: {out[-300:]}")
    return int(m.group(1))


def run(name: str, cmd: list[str], args: argparse.Namespace, host: str) -> tuple[float, int]:
    cam = camera(host, args)
    before = children_cpu()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.seconds + 60)
    cpu = children_cpu() - before
    packets = stop_camera(cam)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    return cpu, packets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--frame-size", type=int, default=60000)
    ap.add_argument("--skip-aiopppp", action="store_true")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "pppp-cli"], cwd=ROOT, check=True)
    subprocess.run(["gcc", "-O2", "-o", BARE, os.path.join(ROOT, "benches/bare_receiver.c")],
                   check=True)
    if not args.skip_aiopppp and not os.path.exists(os.path.join(VENV, "bin/python")):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin/pip"), "install", "-q", "aiopppp==0.2.3"],
                       check=True)
    host = f"127.{random.randint(20, 220)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
    lan = f"{host}:32108"
    frames = int(args.seconds * args.fps)
    clients = [
        ("pppp stream", [PPPP, "stream", "--uid", UID, "--host", lan, "--psk", "camera",
                         "--frames", str(frames), "--no-broadcast", "--json"]),
        ("bare C, recvfrom", [BARE, "recvfrom", lan, UID, str(args.seconds), "camera"]),
        ("bare C, recvmmsg + 0.5 ms pause", [BARE, "recvmmsg", lan, UID, str(args.seconds),
                                             "camera"]),
    ]
    if not args.skip_aiopppp:
        clients.append(("aiopppp 0.2.3", [os.path.join(VENV, "bin/python"),
                                          os.path.join(ROOT, "benches/aiopppp_stream.py"),
                                          host, str(args.seconds)]))
    print(f"one stream: {args.frame_size}-byte MJPEG frames at {args.fps} fps for "
          f"{args.seconds:.0f} s, PSK camera\n")
    print("| client | packets | CPU s | µs / packet |")
    print("|---|---|---|---|")
    results = {}
    for name, cmd in clients:
        cpu, packets = run(name, cmd, args, host)
        results[name] = cpu * 1e6 / max(packets, 1)
        print(f"| {name} | {packets} | {cpu:.2f} | {results[name]:.2f} |", flush=True)
    p = results["pppp stream"]
    if "aiopppp 0.2.3" in results:
        print(f"\naiopppp / pppp stream: {results['aiopppp 0.2.3'] / p:.1f}x")
    print(f"pppp stream / bare recvmmsg: {p / results['bare C, recvmmsg + 0.5 ms pause']:.2f}x")
    print(f"pppp stream / bare recvfrom: {p / results['bare C, recvfrom']:.2f}x")


if __name__ == "__main__":
    main()
