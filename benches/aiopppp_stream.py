"""Benchmark client: aiopppp 0.2.3 (PyPI) receiving video from `pppp camera` for SECONDS.

Usage: python aiopppp_stream.py HOST SECONDS
The camera listens on HOST:32108 with PSK "camera" (aiopppp's requirements). Prints
"frames N".
"""
import asyncio
import sys
import time

from aiopppp import Device


async def main(host: str, seconds: float) -> int:
    dev = Device(host, username="admin", password="6666")
    await asyncio.wait_for(dev.connect(timeout=10), 20)
    await dev.start_video()
    frames = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            await asyncio.wait_for(dev.get_video_frame(), max(0.01, end - time.monotonic()))
        except asyncio.TimeoutError:
            break
        frames += 1
    print(f"frames {frames}")
    await dev.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], float(sys.argv[2]))))
