"""pppp.aio: the asyncio layer, against the fake camera."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable, Coroutine, TypeVar

import pytest

import pppp
import pppp.aio
from conftest import UID

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def eventually(cond: Callable[[], bool], what: str, limit: float = 10.0) -> None:
    """`conftest.eventually` for coroutines: the loop keeps running while it waits."""
    deadline = time.monotonic() + limit
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.02)


def test_discover_connect_command_stream(fake: pppp.FakeCamera) -> None:
    async def main() -> None:
        devices = await pppp.aio.discover(timeout=0.5, to=[fake.lan_addr])
        assert [d.uid for d in devices] == [UID]
        async with await pppp.aio.connect(UID, host=fake.lan_addr, timeout=5.0) as cam:
            assert isinstance(cam, pppp.aio.AsyncCamera)
            assert cam.uid == UID and cam.is_open and cam.cipher == "camera"
            assert cam.peer == fake.session_addr
            assert (await cam.params()).firmware == "PPPP_FAKE_1.0 (pppp emulator)"
            reply = await cam.command({"pro": "get_parms", "cmd": 101})
            assert reply["result"] == 0
            n = 0
            async for frame in cam.video():
                assert frame.codec is pppp.Codec.MJPEG and frame.data[:2] == b"\xff\xd8"
                n += 1
                if n == 5:
                    break
            # Commands run while frames keep coming.
            params, frame2 = await asyncio.gather(cam.params(), cam.next_frame(timeout=5.0))
            assert params.firmware and frame2 is not None
            moves = fake.stats().ptz_commands
            await cam.ptz("up", duration=0.01)
            await eventually(lambda: fake.stats().ptz_commands == moves + 2, "start and stop")
            assert fake.stats().last_ptz == (0, 1), "the last command stopped the move up"
            await cam.talk(b"\x10\x00" * 512)  # one frame of 512 samples
            await eventually(lambda: fake.stats().talk_samples >= 512, "the talk-back arrives")
            assert (fake.stats().talk_frames, fake.stats().talk_samples) == (1, 512)
            assert cam.stats().video_frames >= 6
        assert not cam.is_open
        assert cam.close_reason is pppp.CloseReason.LOCAL

    run(main())


def test_the_event_loop_stays_free_while_waiting(fake: pppp.FakeCamera) -> None:
    async def main() -> None:
        async with await pppp.aio.connect(UID, host=fake.lan_addr, timeout=5.0) as cam:
            # Audio is never started: only the timeout or the close can end this wait.
            wait = cam.next_audio(timeout=30.0)
            waiter = asyncio.ensure_future(wait)
            seen: list[tuple[str, bool, int]] = []
            ran = asyncio.Event()

            def callback() -> None:
                # Scheduled after the waiter's first step: if that step had blocked the loop,
                # the wait would be over (timed out) by the time this runs.
                try:
                    readers = cam.camera.session.blocked_readers
                    seen.append((inspect.getcoroutinestate(wait), waiter.done(), readers))
                finally:
                    ran.set()

            asyncio.get_running_loop().call_soon(callback)
            await asyncio.wait_for(ran.wait(), timeout=60.0)
            # The wait was suspended (not finished), and no thread was blocked for it.
            assert seen == [(inspect.CORO_SUSPENDED, False, 0)]
            await cam.close()
            with pytest.raises(pppp.Closed):
                await asyncio.wait_for(waiter, timeout=60.0)

    run(main())


def test_async_iterator_ends_on_close(fake: pppp.FakeCamera) -> None:
    async def main() -> None:
        cam = await pppp.aio.connect(UID, host=fake.lan_addr, timeout=5.0)
        got: list[int] = []

        async def consume() -> None:
            async for chunk in cam.audio(start=False):  # blocks: audio never started
                got.append(chunk.index)

        consumer = consume()
        task = asyncio.ensure_future(consumer)
        await asyncio.sleep(0)  # let it start waiting
        assert inspect.getcoroutinestate(consumer) == inspect.CORO_SUSPENDED, "it waits"
        await cam.close()
        await asyncio.wait_for(task, timeout=10.0)
        assert got == []
        await cam.close()  # idempotent

    run(main())


def test_async_iterator_timeout(fake: pppp.FakeCamera) -> None:
    async def main() -> None:
        async with await pppp.aio.connect(UID, host=fake.lan_addr, timeout=5.0) as cam:
            with pytest.raises(pppp.Timeout) as e:
                async for _ in cam.video(start=False, timeout=0.3):
                    pass
            assert e.value.after == 0.3
            with pytest.raises(ValueError):
                cam.video(timeout=-1)

    run(main())


def test_cancelling_a_wait_loses_no_frame(fake: pppp.FakeCamera) -> None:
    async def main() -> None:
        async with await pppp.aio.connect(UID, host=fake.lan_addr, timeout=5.0) as cam:
            await cam.start_video()
            first = await cam.next_frame(timeout=5.0)
            assert first is not None
            # Cancel waits over and over; every frame the camera sent still arrives once,
            # in order.
            seen = [first.index]
            while len(seen) < 10:
                waiter = asyncio.ensure_future(cam.next_frame(timeout=5.0))
                await asyncio.sleep(0.005)
                if not waiter.done():
                    waiter.cancel()
                    try:
                        await waiter
                    except asyncio.CancelledError:
                        continue
                f = waiter.result()
                assert f is not None
                seen.append(f.index)
            assert seen == sorted(seen) and len(set(seen)) == len(seen)
            assert cam.stats().video_dropped == 0
            assert sum(1 for i in range(len(seen) - 1) if seen[i + 1] != seen[i] + 1) == 0

    run(main())


def test_errors_propagate(fake: pppp.FakeCamera) -> None:
    async def main() -> None:
        with pytest.raises(pppp.WrongPassword):
            await pppp.aio.connect(UID, host=fake.lan_addr, password="nope", timeout=5.0)
        with pytest.raises(pppp.InvalidUid):
            await pppp.aio.connect("nope", host=fake.lan_addr)
        async with await pppp.aio.connect(UID, host=fake.lan_addr, timeout=5.0) as cam:
            with pytest.raises(TypeError):
                await cam.command("get_parms")  # type: ignore[arg-type]
        with pytest.raises(pppp.Closed):
            await cam.params()
        with pytest.raises(TypeError):
            pppp.aio.AsyncCamera(object())  # type: ignore[arg-type]

    run(main())
