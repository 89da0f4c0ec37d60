"""A hundred cameras through pppp.aio on one event loop: every session logs in and streams,
with no thread per camera or per call, and closing everything returns the process to the
threads it started with. (Speed is measured by benches/, this checks correctness.)"""

from __future__ import annotations

import asyncio
import time

import pppp
import pppp.aio

N = 100


def native_threads() -> int:
    """Threads of this process, native ones included."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads: line")


def test_a_hundred_async_sessions_on_one_event_loop() -> None:
    before = native_threads()
    fakes = [
        pppp.FakeCamera(f"DGOA-{500000 + i:06d}-MANYP", fps=10, width=64, height=48)
        for i in range(N)
    ]
    try:

        async def one(fake: pppp.FakeCamera) -> list[int]:
            async with await pppp.aio.connect(fake.uid, host=fake.lan_addr, timeout=20.0) as cam:
                seen: list[int] = []
                async for frame in cam.video(timeout=30.0):
                    assert frame.data[:2] == b"\xff\xd8"
                    seen.append(frame.index)
                    if len(seen) == 3:
                        during.append(native_threads())
                        return seen
            raise AssertionError("the stream ended early")

        during: list[int] = []

        async def main() -> list[list[int]]:
            return await asyncio.gather(*(one(f) for f in fakes))

        results = asyncio.run(main())
        assert all(r == sorted(r) and len(set(r)) == 3 for r in results)
        # The fake cameras and every session share pppp's one I/O thread: no thread per
        # camera, per session or per call.
        assert max(during) <= before + 1, (before, max(during))
    finally:
        for f in fakes:
            f.stop()
    # The I/O thread was joined when the last close returned; the kernel drops a joined thread
    # from the count a moment later, so read it until it settles (a thread left behind never
    # does, and fails here after the bound).
    deadline = time.monotonic() + 30
    while native_threads() != before and time.monotonic() < deadline:
        time.sleep(0.001)
    assert native_threads() == before
