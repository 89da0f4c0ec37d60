#!/usr/bin/env python3
"""asyncio: stream video and send commands at the same time (as Home Assistant would).

    python examples/async_stream.py --uid DGOA-123456-ABCDE --host 192.168.1.50
    python examples/async_stream.py --self-test     # against a fake camera on loopback
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Optional

import pppp
import pppp.aio


async def run(uid: str, host: Optional[str], password: str, frames: int) -> int:
    async with await pppp.aio.connect(uid, host, password=password) as cam:
        print(f"connected to {cam.uid} at {cam.peer}")
        got = 0

        async def watch() -> None:
            nonlocal got
            async for frame in cam.video(timeout=10.0):
                got += 1
                print(f"frame #{frame.index} {frame.codec.value} {len(frame.data)} bytes")
                if got >= frames:
                    return

        async def poll() -> None:
            while got < frames:
                p = await cam.params()
                print(f"  camera clock {p.time}, battery {p.battery}%, signal {p.signal}")
                await asyncio.sleep(0.2)

        await asyncio.gather(watch(), poll())
        return got


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uid")
    ap.add_argument("--host")
    ap.add_argument("--password", default="6666")
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--self-test", action="store_true", help="stream from a fake camera")
    args = ap.parse_args(argv)
    if not args.self_test and not args.uid:
        ap.error("--uid is required (or --self-test)")
    with contextlib.ExitStack() as stack:
        uid, host = args.uid, args.host
        if args.self_test:
            fake = stack.enter_context(pppp.FakeCamera(fps=25, password=args.password))
            uid, host = fake.uid, fake.lan_addr
        try:
            got = asyncio.run(run(uid, host, args.password, args.frames))
        except pppp.PpppError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted")
            return 130
    if args.self_test:
        assert got == args.frames
        print("self-test OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
