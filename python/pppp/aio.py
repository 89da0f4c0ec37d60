"""asyncio interface of pppp, for Home Assistant and other event loops.

::

    import pppp.aio

    async def main() -> None:
        async with await pppp.aio.connect("DGOA-123456-ABCDE", host="192.168.1.50") as cam:
            print((await cam.params()).firmware)
            async for frame in cam.video():
                ...

Native to asyncio: no thread or thread pool per camera or per call. Every session of an
event loop reports to one `Reactor` whose file descriptor the loop watches
(``loop.add_reader``): pppp's I/O thread records completed requests and sessions with new
frames there and wakes the loop once, and the loop completes the waiting futures. A thousand
``async for frame in cam.video()`` loops run on one event loop. Cancelling a waiting task
loses nothing: frames stay queued until a call takes them.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import weakref
from types import TracebackType
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar, Union

from . import _camera, _native, _ops
from ._camera import BytesLike, Camera
from ._native import Frame
from ._types import (
    CameraParams,
    CloseReason,
    Device,
    Dialect,
    Event,
    FlipMirror,
    PtzDirection,
    Resolution,
    SdInfo,
    SessionStats,
    WifiNetwork,
)

__all__ = ["AsyncCamera", "AsyncFrameIterator", "connect", "discover"]

T = TypeVar("T")


class _Reactor:
    """The wake-ups of one event loop: completed requests resolve their futures, sessions
    with news wake their waiters."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.native = _native.Reactor()
        self.futures: dict[int, asyncio.Future[Any]] = {}
        self.watchers: dict[int, Callable[[], None]] = {}
        self.tokens = itertools.count(1)
        loop.add_reader(self.native.fileno(), self._readable)

    def _readable(self) -> None:
        done, ready = self.native.drain()
        for token, ok, value in done:
            fut = self.futures.pop(token, None)
            if fut is None or fut.done():
                continue  # its caller was cancelled
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)
        for i in set(ready):
            wake = self.watchers.get(i)
            if wake is not None:
                wake()

    def submit(
        self,
        session: _native.Session,
        kind: str,
        name: Optional[str] = None,
        args: Any = None,
    ) -> asyncio.Future[Any]:
        token = next(self.tokens)
        fut: asyncio.Future[Any] = self.loop.create_future()
        self.futures[token] = fut
        try:
            session.submit(self.native, token, kind, name, args)
        except BaseException:
            del self.futures[token]
            raise
        return fut

    def watch(self, wake: Callable[[], None]) -> int:
        i = next(self.tokens)
        self.watchers[i] = wake
        return i


_reactors: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Reactor]" = (
    weakref.WeakKeyDictionary()
)


def _reactor() -> _Reactor:
    loop = asyncio.get_running_loop()
    r = _reactors.get(loop)
    if r is None:
        r = _reactors[loop] = _Reactor(loop)
    return r


class _Signal:
    """Futures waiting for something a reactor wake may bring."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def fire(self) -> None:
        waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    async def wait(self, timeout: Optional[float]) -> bool:
        """Waits for the next `fire`; False when `timeout` seconds passed first."""
        w: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(w)
        try:
            await asyncio.wait_for(w, timeout)
            return True
        except asyncio.TimeoutError:
            return False


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
    r = _reactor()
    signal = _Signal()
    search = _camera.Search(
        timeout, to, broadcast=broadcast, psk=psk, port=port, bind=bind
    )._native
    search.watch(r.native, r.watch(signal.fire))
    found: list[Device] = []
    try:
        while True:
            d = search.try_next_device()
            if d is not None:
                found.append(_camera._device(d))
                continue
            if search.is_finished:
                return found
            await signal.wait(None)
    finally:
        search.cancel()


async def connect(uid: str, host: Optional[str] = None, **kwargs: Any) -> AsyncCamera:
    """`pppp.connect()` without blocking the event loop; takes the same arguments."""
    login = kwargs.pop("login", True)
    session = _camera._start(uid, host, **kwargs)
    cam = AsyncCamera(Camera(session))
    try:
        await cam._wait_connected()
        if login:
            await cam.login()
    except BaseException:
        session.begin_close()
        raise
    return cam


class AsyncCamera(_camera._SessionState):
    """A connected camera for asyncio (from `pppp.aio.connect()`); an async context manager.

    The methods are those of `pppp.Camera`, as coroutines; `video()` and `audio()` return
    async iterators. Use it on the event loop that created it.
    """

    def __init__(self, camera: Camera) -> None:
        if not isinstance(camera, Camera):
            raise TypeError("use pppp.aio.connect() to make an AsyncCamera")
        self._cam = camera
        self._session = camera.session
        self._reactor: Optional[_Reactor] = None
        self._news = _Signal()
        self._video = _Puller(self, audio=False)
        self._audio = _Puller(self, audio=True)

    def _attach(self) -> _Reactor:
        """The event loop's reactor, watching this session from the first use on."""
        if self._reactor is None:
            r = _reactor()
            self._session.watch(r.native, r.watch(self._wake))
            self._reactor = r
        return self._reactor

    def _wake(self) -> None:
        self._news.fire()
        self._video.wake()
        self._audio.wake()

    async def _wait_connected(self) -> None:
        self._attach()
        while not self._session.poll_connected():
            await self._news.wait(None)

    async def _request(self, kind: str, name: Optional[str] = None, args: Any = None) -> Any:
        return await self._attach().submit(self._session, kind, name, args)

    async def _run(self, op: _ops.Op[T]) -> T:
        return op.result(await self._request("op", op.name, op.args))

    @property
    def camera(self) -> Camera:
        """The synchronous `Camera` underneath."""
        return self._cam

    def next_event_nowait(self) -> Optional[Event]:
        """The next life event if one is queued (see `Camera.next_event`)."""
        return self._cam.next_event(0.0)

    async def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next life event (connecting, connected, logged in, disconnected, reconnected,
        closed, a message from the camera); None after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self._attach()
        while True:
            e = self._cam.next_event(0.0)
            if e is not None:
                return e
            if self._session.is_finished:
                return None
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            await self._news.wait(left)

    async def login(self) -> dict[str, Any]:
        """See `Camera.login`."""
        reply: dict[str, Any] = await self._request("login")
        return reply

    async def command(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        """See `Camera.command`."""
        reply: dict[str, Any] = await self._request("command", None, _ops.command(cmd))
        return reply

    async def params(self) -> CameraParams:
        """See `Camera.params`."""
        return await self._run(_ops.params())

    async def reboot(self) -> None:
        """See `Camera.reboot`."""
        await self._run(_ops.reboot())

    async def set_params(self, fields: Mapping[str, Any]) -> None:
        """See `Camera.set_params`."""
        await self._run(_ops.set_params(fields))

    async def ptz(
        self, direction: Union[PtzDirection, str], *, duration: Optional[float] = None
    ) -> None:
        """See `Camera.ptz` (the `duration` wait is an `asyncio.sleep`)."""
        await self._run(_ops.ptz(direction, duration))
        if duration is not None:
            try:
                await asyncio.sleep(duration)
            finally:
                await self._run(_ops.ptz_stop())

    async def ptz_stop(self) -> None:
        """See `Camera.ptz_stop`."""
        await self._run(_ops.ptz_stop())

    async def ptz_center(self) -> None:
        """See `Camera.ptz_center`."""
        await self._run(_ops.ptz_center())

    async def ptz_preset(self, n: int) -> None:
        """See `Camera.ptz_preset`."""
        await self._run(_ops.ptz_preset(n))

    async def ptz_goto_preset(self, n: int) -> None:
        """See `Camera.ptz_goto_preset`."""
        await self._run(_ops.ptz_goto_preset(n))

    async def ir(self, on: bool) -> None:
        """See `Camera.ir`."""
        await self._run(_ops.ir(on))

    async def toggle_ir(self) -> None:
        """See `Camera.toggle_ir`."""
        await self._run(_ops.toggle_ir())

    async def lamp(self, on: bool) -> None:
        """See `Camera.lamp`."""
        await self._run(_ops.lamp(on))

    async def white_light(self, on: bool) -> None:
        """See `Camera.white_light`."""
        await self._run(_ops.white_light(on))

    async def set_flip_mirror(self, value: Union[FlipMirror, int]) -> None:
        """See `Camera.set_flip_mirror`."""
        await self._run(_ops.set_flip_mirror(value))

    async def wifi_scan(self) -> list[WifiNetwork]:
        """See `Camera.wifi_scan`."""
        return await self._run(_ops.wifi_scan())

    async def set_wifi(self, ssid: str, password: str) -> None:
        """See `Camera.set_wifi`."""
        await self._run(_ops.set_wifi(ssid, password))

    async def set_time(self, when: Optional[float] = None, tz_offset: Optional[int] = None) -> None:
        """See `Camera.set_time`."""
        await self._run(_ops.set_time(when, tz_offset))

    async def sd_info(self) -> SdInfo:
        """See `Camera.sd_info`."""
        return await self._run(_ops.sd_info())

    async def cgi(self, request: str) -> dict[str, Any]:
        """See `Camera.cgi`."""
        if not isinstance(request, str):
            raise TypeError(f"a CGI request is a str, not {type(request).__name__}")
        reply: dict[str, Any] = await self._request("cgi", request)
        return reply

    async def binary(self, cmd: int, payload: BytesLike = b"") -> dict[str, Any]:
        """See `Camera.binary`."""
        if isinstance(cmd, bool) or not isinstance(cmd, int) or not 0 <= cmd <= 0xFFFF:
            raise ValueError(f"cmd must be a command number 0-65535, not {cmd!r}")
        reply: dict[str, Any] = await self._request("binary", str(cmd), payload)
        return reply

    async def start_video(
        self,
        resolution: Union[Resolution, int] = Resolution.VGA,
        stream: Optional[int] = None,
        substream: Optional[int] = None,
    ) -> None:
        """See `Camera.start_video`."""
        await self._run(_ops.start_video(resolution, stream, substream))

    async def stop_video(self) -> None:
        """See `Camera.stop_video`."""
        await self._run(_ops.stop_video())

    async def start_audio(self) -> None:
        """See `Camera.start_audio`."""
        await self._run(_ops.start_audio())

    async def stop_audio(self) -> None:
        """See `Camera.stop_audio`."""
        await self._run(_ops.stop_audio())

    def video(
        self,
        resolution: Union[Resolution, int] = Resolution.VGA,
        *,
        timeout: Optional[float] = None,
        start: bool = True,
        stream: Optional[int] = None,
        substream: Optional[int] = None,
    ) -> AsyncFrameIterator:
        """An async iterator over video frames; video is started on the first iteration
        (unless ``start=False``; `stream`, `substream`: see `Camera.start_video`). Ends when
        the session closes; with `timeout`, raises `Timeout` when no frame comes for that
        many seconds."""
        op = _ops.start_video(resolution, stream, substream)
        begin = (lambda: self._run(op)) if start else None
        return AsyncFrameIterator(self, audio=False, timeout=timeout, begin=begin)

    def audio(self, *, timeout: Optional[float] = None, start: bool = True) -> AsyncFrameIterator:
        """An async iterator over audio chunks (see `video`)."""
        begin = self.start_audio if start else None
        return AsyncFrameIterator(self, audio=True, timeout=timeout, begin=begin)

    async def next_frame(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next video frame; None after `timeout` seconds; `Closed` once closed."""
        return await self._video.next(timeout)

    async def next_audio(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next audio chunk; None after `timeout` seconds; `Closed` once closed."""
        return await self._audio.next(timeout)

    async def talk(self, pcm: BytesLike) -> None:
        """See `Camera.talk` (queuing returns at once)."""
        self._cam.talk(pcm)

    async def talk_queued(self) -> float:
        """See `Camera.talk_queued`."""
        return self._cam.talk_queued()

    async def write_channel(self, channel: int, data: BytesLike) -> None:
        """See `Camera.write_channel`."""
        self._cam.write_channel(channel, data)

    async def close(self) -> None:
        """Closes the session (idempotent); returns once nothing more can arrive from it."""
        self._attach()
        self._session.begin_close()
        while not self._session.is_finished:
            await self._news.wait(None)

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
    """Takes the frames of one queue (video or audio) of a camera, waiting on the event
    loop for the reactor's wake-ups."""

    def __init__(self, cam: AsyncCamera, audio: bool) -> None:
        session = cam.camera.session
        self._cam = cam
        self._try = session.try_next_audio if audio else session.try_next_frame
        self._check = session.next_audio if audio else session.next_frame
        self._signal = _Signal()

    def wake(self) -> None:
        self._signal.fire()

    async def next(self, timeout: Optional[float]) -> Optional[Frame]:
        """The next frame, None after `timeout` seconds (None: no limit), or `Closed`."""
        _ops.check_seconds(timeout, "timeout")
        deadline = None if timeout is None else time.monotonic() + timeout
        self._cam._attach()
        while True:
            frame = self._try()
            if frame is not None:
                return frame
            # Raises `Closed` once the session ended and its frames were taken.
            frame = self._check(0.0)
            if frame is not None:
                return frame
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            await self._signal.wait(left)


class AsyncFrameIterator:
    """``async for frame in cam.video()``: frames until the session closes."""

    def __init__(
        self,
        cam: AsyncCamera,
        *,
        audio: bool,
        timeout: Optional[float],
        begin: Optional[Callable[[], Any]] = None,
    ) -> None:
        _ops.check_seconds(timeout, "timeout")
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
            await begin()
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
