"""asyncio interface of pppp, for Home Assistant and other event loops.

::

    import pppp.aio

    async def main() -> None:
        async with await pppp.aio.connect("DGOA-123456-ABCDE", host="192.168.1.50") as cam:
            print((await cam.params()).firmware)
            async for frame in cam.video():
                ...

The blocking native calls run in a small thread pool owned by each camera (so that streams
never occupy the event loop's default executor), in waits of at most a quarter of a second;
a frame already queued is returned without leaving the event loop. Cancelling a waiting
task loses nothing: a frame that arrives meanwhile is returned by the next call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import time
from types import TracebackType
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar, Union

from . import _camera, _native
from ._camera import BytesLike, Camera
from ._native import Frame
from ._types import (
    CameraParams,
    CloseReason,
    Device,
    Dialect,
    FlipMirror,
    PtzDirection,
    Resolution,
    SdInfo,
    SessionStats,
    WifiNetwork,
)

__all__ = ["AsyncCamera", "AsyncFrameIterator", "connect", "discover"]

T = TypeVar("T")

_SLICE = 0.25
"""Longest wait of one executor call for a frame (seconds)."""


async def _run(
    executor: Optional[concurrent.futures.Executor], fn: Callable[..., T], *args: Any, **kw: Any
) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args, **kw))


async def discover(
    timeout: float = 2.0,
    to: Union[str, Iterable[str], None] = None,
    *,
    broadcast: Optional[bool] = None,
    psk: str = "auto",
    port: int = _native.LAN_PORT,
    bind: Optional[str] = None,
) -> list[Device]:
    """`pppp.discover()` without blocking the event loop."""
    return await _run(
        None, _camera.discover, timeout, to, broadcast=broadcast, psk=psk, port=port, bind=bind
    )


async def connect(uid: str, host: Optional[str] = None, **kwargs: Any) -> AsyncCamera:
    """`pppp.connect()` without blocking the event loop; takes the same arguments."""
    cam = await _run(None, _camera.connect, uid, host, **kwargs)
    return AsyncCamera(cam)


class AsyncCamera:
    """A connected camera for asyncio (from `pppp.aio.connect()`); an async context manager.

    The methods are those of `pppp.Camera`, as coroutines; `video()` and `audio()` return
    async iterators.
    """

    def __init__(self, camera: Camera) -> None:
        if not isinstance(camera, Camera):
            raise TypeError("use pppp.aio.connect() to make an AsyncCamera")
        self._cam = camera
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix=f"pppp-aio-{camera.uid}"
        )
        self._closed = False
        self._video = _Puller(self, audio=False)
        self._audio = _Puller(self, audio=True)

    async def _call(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        if self._closed:
            # Calls on a closed session fail at once (`Closed`): no need for a thread.
            return fn(*args, **kw)
        return await _run(self._executor, fn, *args, **kw)

    @property
    def camera(self) -> Camera:
        """The synchronous `Camera` underneath."""
        return self._cam

    @property
    def uid(self) -> str:
        """The camera's UID."""
        return self._cam.uid

    @property
    def peer(self) -> Optional[str]:
        """The camera's session address."""
        return self._cam.peer

    @property
    def cipher(self) -> Optional[str]:
        """``plain`` or the PSK in use."""
        return self._cam.cipher

    @property
    def dialect(self) -> Optional[Dialect]:
        """The command dialect in use."""
        return self._cam.dialect

    @property
    def is_open(self) -> bool:
        """True until the session is closed."""
        return self._cam.is_open

    @property
    def close_reason(self) -> Optional[CloseReason]:
        """Why the session closed (None while open)."""
        return self._cam.close_reason

    def stats(self) -> SessionStats:
        """The session's counters (does not block)."""
        return self._cam.stats()

    async def login(self) -> dict[str, Any]:
        """See `Camera.login`."""
        return await self._call(self._cam.login)

    async def command(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        """See `Camera.command`."""
        return await self._call(self._cam.command, cmd)

    async def params(self) -> CameraParams:
        """See `Camera.params`."""
        return await self._call(self._cam.params)

    async def reboot(self) -> None:
        """See `Camera.reboot`."""
        await self._call(self._cam.reboot)

    async def set_params(self, fields: Mapping[str, Any]) -> None:
        """See `Camera.set_params`."""
        await self._call(self._cam.set_params, fields)

    async def ptz(
        self, direction: Union[PtzDirection, str], *, duration: Optional[float] = None
    ) -> None:
        """See `Camera.ptz` (the `duration` wait is an `asyncio.sleep`)."""
        d = PtzDirection(direction)
        _camera._check_seconds(duration, "duration")
        await self._call(self._cam.ptz, d)
        if duration is not None:
            try:
                await asyncio.sleep(duration)
            finally:
                await self._call(self._cam.ptz_stop)

    async def ptz_stop(self) -> None:
        """See `Camera.ptz_stop`."""
        await self._call(self._cam.ptz_stop)

    async def ptz_center(self) -> None:
        """See `Camera.ptz_center`."""
        await self._call(self._cam.ptz_center)

    async def ptz_preset(self, n: int) -> None:
        """See `Camera.ptz_preset`."""
        await self._call(self._cam.ptz_preset, n)

    async def ptz_goto_preset(self, n: int) -> None:
        """See `Camera.ptz_goto_preset`."""
        await self._call(self._cam.ptz_goto_preset, n)

    async def ir(self, on: bool) -> None:
        """See `Camera.ir`."""
        await self._call(self._cam.ir, on)

    async def toggle_ir(self) -> None:
        """See `Camera.toggle_ir`."""
        await self._call(self._cam.toggle_ir)

    async def lamp(self, on: bool) -> None:
        """See `Camera.lamp`."""
        await self._call(self._cam.lamp, on)

    async def white_light(self, on: bool) -> None:
        """See `Camera.white_light`."""
        await self._call(self._cam.white_light, on)

    async def set_flip_mirror(self, value: Union[FlipMirror, int]) -> None:
        """See `Camera.set_flip_mirror`."""
        await self._call(self._cam.set_flip_mirror, value)

    async def wifi_scan(self) -> list[WifiNetwork]:
        """See `Camera.wifi_scan`."""
        return await self._call(self._cam.wifi_scan)

    async def set_wifi(self, ssid: str, password: str) -> None:
        """See `Camera.set_wifi`."""
        await self._call(self._cam.set_wifi, ssid, password)

    async def set_time(self, when: Optional[float] = None, tz_offset: Optional[int] = None) -> None:
        """See `Camera.set_time`."""
        await self._call(self._cam.set_time, when, tz_offset)

    async def sd_info(self) -> SdInfo:
        """See `Camera.sd_info`."""
        return await self._call(self._cam.sd_info)

    async def cgi(self, request: str) -> dict[str, Any]:
        """See `Camera.cgi`."""
        return await self._call(self._cam.cgi, request)

    async def binary(self, cmd: int, payload: BytesLike = b"") -> dict[str, Any]:
        """See `Camera.binary`."""
        return await self._call(self._cam.binary, cmd, payload)

    async def start_video(self, resolution: Union[Resolution, int] = Resolution.VGA) -> None:
        """See `Camera.start_video`."""
        await self._call(self._cam.start_video, resolution)

    async def stop_video(self) -> None:
        """See `Camera.stop_video`."""
        await self._call(self._cam.stop_video)

    async def start_audio(self) -> None:
        """See `Camera.start_audio`."""
        await self._call(self._cam.start_audio)

    async def stop_audio(self) -> None:
        """See `Camera.stop_audio`."""
        await self._call(self._cam.stop_audio)

    def video(
        self,
        resolution: Union[Resolution, int] = Resolution.VGA,
        *,
        timeout: Optional[float] = None,
        start: bool = True,
    ) -> AsyncFrameIterator:
        """An async iterator over video frames; video is started on the first iteration
        (unless ``start=False``). Ends when the session closes; with `timeout`, raises
        `Timeout` when no frame comes for that many seconds."""
        begin = functools.partial(self._cam.start_video, resolution) if start else None
        return AsyncFrameIterator(self, audio=False, timeout=timeout, begin=begin)

    def audio(self, *, timeout: Optional[float] = None, start: bool = True) -> AsyncFrameIterator:
        """An async iterator over audio chunks (see `video`)."""
        begin = self._cam.start_audio if start else None
        return AsyncFrameIterator(self, audio=True, timeout=timeout, begin=begin)

    async def next_frame(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next video frame; None after `timeout` seconds; `Closed` once closed."""
        return await self._video.next(timeout)

    async def next_audio(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next audio chunk; None after `timeout` seconds; `Closed` once closed."""
        return await self._audio.next(timeout)

    async def talk(self, pcm: BytesLike) -> None:
        """See `Camera.talk`."""
        await self._call(self._cam.talk, pcm)

    async def talk_queued(self) -> float:
        """See `Camera.talk_queued`."""
        return await self._call(self._cam.talk_queued)

    async def write_channel(self, channel: int, data: BytesLike) -> None:
        """See `Camera.write_channel`."""
        await self._call(self._cam.write_channel, channel, data)

    async def close(self) -> None:
        """Closes the session and its thread pool (idempotent)."""
        if self._closed:
            return
        await self._call(self._cam.close)
        self._closed = True
        self._executor.shutdown(wait=False)

    async def __aenter__(self) -> AsyncCamera:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = f"at {self.peer}" if self.is_open else "closed"
        return f"<pppp.aio.AsyncCamera {self.uid} {state}>"


class _Puller:
    """Waits for the frames of one queue (video or audio) of a camera, in executor slices.

    One per queue and camera, so that a wait abandoned by a cancelled task is picked up by
    the next caller and its frame is not lost.
    """

    def __init__(self, cam: AsyncCamera, audio: bool) -> None:
        session = cam.camera.session
        self._cam = cam
        self._next_native = session.next_audio if audio else session.next_frame
        self._pending: Optional[asyncio.Future[Optional[Frame]]] = None

    async def next(self, timeout: Optional[float]) -> Optional[Frame]:
        """The next frame, None after `timeout` seconds (None: no limit), or `Closed`."""
        _camera._check_seconds(timeout, "timeout")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._pending is None:
                frame = self._next_native(0.0)  # already queued: no thread hop
                if frame is not None:
                    return frame
                remaining = _SLICE if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._pending = asyncio.ensure_future(
                    self._cam._call(self._next_native, min(_SLICE, remaining))
                )
                # Mark an exception as seen even if its waiter went away.
                self._pending.add_done_callback(
                    lambda f: None if f.cancelled() else f.exception()
                )
            # shield: a cancelled caller leaves the wait running, and its outcome (even one
            # that arrived just as the caller was cancelled) stays for the next call.
            pending = self._pending
            try:
                frame = await asyncio.shield(pending)
            except asyncio.CancelledError:
                if pending.cancelled():
                    self._pending = None
                raise
            except BaseException:
                self._pending = None  # its error (Closed ...) is reported once
                raise
            self._pending = None
            if frame is not None:
                return frame
            if deadline is not None and time.monotonic() >= deadline:
                return None


class AsyncFrameIterator:
    """``async for frame in cam.video()``: frames until the session closes."""

    def __init__(
        self,
        cam: AsyncCamera,
        *,
        audio: bool,
        timeout: Optional[float],
        begin: Optional[Callable[[], None]] = None,
    ) -> None:
        _camera._check_seconds(timeout, "timeout")
        self._cam = cam
        self._puller = cam._audio if audio else cam._video
        self._audio = audio
        self._timeout = timeout
        self._begin = begin

    def __aiter__(self) -> AsyncFrameIterator:
        return self

    async def __anext__(self) -> Frame:
        if self._begin is not None:
            begin, self._begin = self._begin, None
            await self._cam._call(begin)
        try:
            frame = await self._puller.next(self._timeout)
        except _native.Closed:
            raise StopAsyncIteration from None
        if frame is None:
            what = "audio" if self._audio else "video"
            err = _native.Timeout(
                f"timed out after {self._timeout}s waiting for the next {what} frame"
            )
            err.what = f"the next {what} frame"
            err.after = self._timeout
            raise err
        return frame
