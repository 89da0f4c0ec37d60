#!/usr/bin/env python3
"""Benchmark client: N sessions through `pppp.aio` on one asyncio event loop, against the
cameras of `pppp camera --count N --frame-size ...` (lines of its JSON output in TARGETS).
Prints one JSON object: connect time, frames, frames lost, packets, CPU, CPU per packet,
frame latency p50/p99 (the frame's last datagram in to the frame handed to this loop,
`Frame.age`; and from the emulator's stamp, camera_latency_*), RSS, threads.

    python aio_sessions.py TARGETS SECONDS [--idle] [--psk camera]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import time

import pppp
import pppp.aio

STAMP = re.compile(rb"pppp-fake-camera frame=\d{20} t=(\d{20})")


def status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def main(args: argparse.Namespace) -> dict[str, object]:
    targets = [json.loads(line) for line in open(args.targets) if line.strip()]
    threads_before = status("Threads:")
    t0 = time.monotonic()
    cams = await asyncio.gather(
        *(pppp.aio.connect(t["uid"], host=t["lan_addr"], psk=args.psk, timeout=30.0,
                           broadcast=False) for t in targets))
    connect_s = time.monotonic() - t0
    latencies: list[float] = []
    cam_latencies: list[float] = []
    frames = 0
    gaps = 0
    measuring = asyncio.Event()
    stop = asyncio.Event()

    async def stream(cam: pppp.aio.AsyncCamera) -> None:
        nonlocal frames, gaps
        last = None
        async for f in cam.video(timeout=30.0):
            if stop.is_set():
                return
            if not measuring.is_set():
                continue
            age = f.age
            handed = time.time()
            frames += 1
            if age is not None:
                latencies.append(age)
            m = STAMP.search(f.data[:200])
            if m:
                cam_latencies.append(handed - int(m.group(1)) / 1e6)
            if last is not None:
                gaps += max(0, (f.index - last - 1) & 0xFFFFFFFF if f.index > last else 0)
            last = f.index

    tasks = []
    if not args.idle:
        # Independent cameras do not send frames at the same instant: start the streams
        # spread over one frame interval.
        for c in cams:
            tasks.append(asyncio.ensure_future(stream(c)))
            await asyncio.sleep(1.0 / args.fps / len(cams))
    # Warm-up: every stream running; idle sessions refresh their counters every 5 s.
    await asyncio.sleep(6.0 if args.idle else 2.0)

    def packets() -> int:
        return sum(c.stats().datagrams_received for c in cams)

    def lost() -> int:
        return sum(c.stats().missing_frames + c.stats().video_dropped for c in cams)

    p0, l0, c0 = packets(), lost(), cpu()
    measuring.set()
    start = time.monotonic()
    await asyncio.sleep(args.seconds)
    elapsed = time.monotonic() - start
    p1, l1, c1 = packets(), lost(), cpu()
    stop.set()
    threads_open = status("Threads:")
    rss, hwm = status("VmRSS:"), status("VmHWM:")
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(c.close() for c in cams))
    latencies.sort()
    cam_latencies.sort()

    def pct(p: float, v: list[float] = latencies) -> float:
        return v[min(len(v) - 1, round((len(v) - 1) * p))] * 1000 if v else 0.0

    used = c1 - c0
    pk = p1 - p0
    return {
        "client": "python pppp.aio",
        "sessions": len(cams),
        "idle": args.idle,
        "connect_s": connect_s,
        "seconds": elapsed,
        "frames": frames,
        "frames_lost": max(l1 - l0, gaps),
        "packets": pk,
        "cpu_s": used,
        "cpu_share_of_core": used / elapsed,
        "us_per_packet": used * 1e6 / pk if pk else 0.0,
        "latency_p50_ms": pct(0.50),
        "latency_p99_ms": pct(0.99),
        "camera_latency_p50_ms": pct(0.50, cam_latencies),
        "camera_latency_p99_ms": pct(0.99, cam_latencies),
        "rss_mib": rss / 1024,
        "peak_rss_mib": hwm / 1024,
        "threads": threads_open,
        "threads_before": threads_before,
        "threads_after_close": status("Threads:"),
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("targets")
    ap.add_argument("seconds", type=float)
    ap.add_argument("--idle", action="store_true")
    ap.add_argument("--psk", default="camera")
    ap.add_argument("--fps", type=int, default=5, help="the cameras' frame rate")
    print(json.dumps(asyncio.run(main(ap.parse_args()))))
