"""Interop: the third-party client aiopppp (PyPI, 0.2.3) against `pppp camera`.

Usage: python aiopppp_client.py HOST FRAMES
The camera must listen on HOST:32108 (aiopppp always searches port 32108) with PSK "camera"
(aiopppp speaks JSON only to encrypted cameras). Exits 0 when aiopppp logged in, read the
camera's parameters and received FRAMES complete JPEG frames.
"""
import asyncio
import sys

from aiopppp import Device


async def main(host: str, want: int) -> int:
    dev = Device(host, username="admin", password="6666")
    await asyncio.wait_for(dev.connect(timeout=10), 20)
    props = dev.properties
    print(f"aiopppp logged in; camera properties: sysver={props.get('sysver')!r} auth={props.get('auth')}")
    if props.get("auth") is not True or "sysver" not in props:
        print("unexpected properties", props)
        return 1
    await dev.start_video()
    seen = set()
    while len(seen) < want:
        frame = await asyncio.wait_for(dev.get_video_frame(), 10)
        data = frame.data
        if not (data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")):
            print(f"frame {frame.idx} is not a complete JPEG ({len(data)} bytes)")
            return 1
        seen.add(frame.idx)
    print(f"aiopppp received {len(seen)} complete JPEG frames")
    await dev.stop_video()
    await dev.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]))))
