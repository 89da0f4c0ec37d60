"""The synchronous API: `discover`, `connect`, `Camera`, `FakeCamera`."""

from __future__ import annotations

import array
import time
from types import TracebackType
from typing import Any, Iterable, Iterator, Mapping, Optional, TypeVar, Union

from . import _native, _ops
from ._native import Frame, FrameIterator
from ._ops import check_seconds as _check_seconds
from ._types import (
    CameraParams,
    CameraStats,
    CloseReason,
    Codec,
    Device,
    Dialect,
    Event,
    FlipMirror,
    Handshake,
    PtzDirection,
    ReconnectPolicy,
    Resolution,
    SdInfo,
    SessionStats,
    WifiNetwork,
)

__all__ = ["Camera", "FakeCamera", "Search", "connect", "discover"]

T = TypeVar("T")

BytesLike = Union[bytes, bytearray, memoryview, "array.array[Any]"]
"""Anything with the buffer protocol: bytes, bytearray, memoryview, array.array."""



def _targets(to: Union[str, Iterable[str], None]) -> Optional[list[str]]:
    if to is None:
        return None
    if isinstance(to, str):
        return [to]
    targets = list(to)
    for t in targets:
        if not isinstance(t, str):
            raise TypeError(f"addresses in 'to' must be str, not {type(t).__name__}")
    return targets


def _device(d: tuple[str, str, int, str]) -> Device:
    """A device from its native tuple ``(uid, ip, port, cipher)``."""
    return Device(uid=d[0], ip=d[1], port=d[2], cipher=d[3])


def discover(
    timeout: float = 2.0,
    to: Union[str, Iterable[str], None] = None,
    *,
    broadcast: Optional[bool] = None,
    psk: str = "auto",
    port: int = _native.LAN_PORT,
    bind: Optional[str] = None,
) -> list[Device]:
    """Searches the LAN for cameras for `timeout` seconds; returns those that answered.

    The search goes by unicast to each address of `to` (``HOST[:PORT]``, port 32108 by
    default). It is broadcast on every IPv4 interface when `broadcast` is true, which by
    default means: when `to` is empty (and ``PPPP_LAN_TARGETS`` is not set, in which case
    its addresses are searched by unicast instead). `psk` is ``auto`` (every known PSK),
    ``none``, a PSK name or ``custom:<psk>``.

    Raises `InvalidAddress`, `UnknownPsk`, `InvalidArgument` or `NetworkError`. Ctrl-C
    interrupts the wait.
    """
    search = Search(timeout, to, broadcast=broadcast, psk=psk, port=port, bind=bind)
    return [_device(d) for d in search._native.wait_found()]


class Search:
    """A LAN search under way, cancellable: iterate over it to get each camera as it answers
    (the loop ends when the search is over), or call `next_device`; `cancel()` ends it at
    once, from any thread. A context manager that cancels on exit.

    ::

        with pppp.Search(timeout=30) as search:
            for dev in search:
                if dev.uid == wanted:
                    break   # the search is cancelled on leaving the block

    Arguments as for `discover`. Raises `InvalidAddress`, `UnknownPsk`, `InvalidArgument` or
    `NetworkError` at once.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        timeout: float = 2.0,
        to: Union[str, Iterable[str], None] = None,
        *,
        broadcast: Optional[bool] = None,
        psk: str = "auto",
        port: int = _native.LAN_PORT,
        bind: Optional[str] = None,
    ) -> None:
        self._native = _native.Search(
            timeout, _targets(to), broadcast=broadcast, psk=psk, port=port, bind=bind
        )

    def next_device(self, timeout: Optional[float] = None) -> Optional[Device]:
        """The next camera that answered, waiting up to `timeout` seconds (None: until the
        search is over); None on timeout or once the search is over and every camera was
        returned. Ctrl-C interrupts the wait."""
        _check_seconds(timeout, "timeout")
        d = self._native.next_device(timeout)
        return None if d is None else _device(d)

    @property
    def is_finished(self) -> bool:
        """True once the search is over (its time is up, or it was cancelled)."""
        return self._native.is_finished

    def cancel(self) -> None:
        """Ends the search now (idempotent); cameras already found can still be read."""
        self._native.cancel()

    def __iter__(self) -> Iterator[Device]:
        while True:
            d = self.next_device()
            if d is None:
                return
            yield d

    def __enter__(self) -> Search:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.cancel()


def connect(
    uid: str,
    host: Optional[str] = None,
    *,
    user: str = "admin",
    password: str = "6666",
    psk: str = "auto",
    timeout: float = 10.0,
    command_timeout: float = 5.0,
    dead_after: float = 8.0,
    to: Union[str, Iterable[str], None] = None,
    broadcast: Optional[bool] = None,
    bind: Optional[str] = None,
    video_queue: int = 32,
    audio_queue: int = 64,
    login: bool = True,
    dialect: Union[Dialect, str] = "auto",
    family: str = "vi365",
    reconnect: Union[bool, ReconnectPolicy] = False,
) -> Camera:
    """Connects to the camera `uid`, logs in, and returns a `Camera`.

    `host` is the camera's address ``HOST[:PORT]``, PORT being its LAN-search port (32108 by
    default): the search goes there by unicast and the session follows the camera to the port
    it answers from. Without `host` (or `to`), the search is broadcast. `psk` is ``auto``
    (detect), ``none``, a known PSK name or ``custom:<psk>``. `timeout` bounds the search and
    handshake, `command_timeout` each command, `dead_after` the camera's silence before the
    session is declared dead. With ``login=False`` call `Camera.login()` yourself.

    Raises `InvalidUid`, `UnknownPsk`, `InvalidAddress` (bad arguments, before any packet is
    sent), `Offline` (no answer), `Timeout` (handshake), `WrongPassword`. Ctrl-C interrupts it.
    """
    session = _start(
        uid,
        host,
        user=user,
        password=password,
        psk=psk,
        timeout=timeout,
        command_timeout=command_timeout,
        dead_after=dead_after,
        to=to,
        broadcast=broadcast,
        bind=bind,
        video_queue=video_queue,
        audio_queue=audio_queue,
        dialect=dialect,
        family=family,
        reconnect=reconnect,
    )
    try:
        session.wait_connected()
        if login:
            session.login()
    except BaseException:
        session.close()
        raise
    return Camera(session)


def _start(
    uid: str,
    host: Optional[str] = None,
    *,
    to: Union[str, Iterable[str], None] = None,
    dialect: Union[Dialect, str] = "auto",
    reconnect: Union[bool, ReconnectPolicy] = False,
    **kwargs: Any,
) -> _native.Session:
    """Starts a native session (returns at once) from `connect`'s arguments."""
    return _native.start(
        uid,
        host,
        to=_targets(to),
        dialect=dialect.value if isinstance(dialect, Dialect) else dialect,
        **_reconnect_args(reconnect),
        **kwargs,
    )


def _reconnect_args(reconnect: Union[bool, ReconnectPolicy]) -> dict[str, Any]:
    if isinstance(reconnect, ReconnectPolicy):
        return {
            "reconnect": True,
            "reconnect_backoff": reconnect.backoff,
            "reconnect_max_backoff": reconnect.max_backoff,
            "reconnect_attempts": reconnect.max_attempts,
        }
    if not isinstance(reconnect, bool):
        raise TypeError(
            f"reconnect must be a bool or a ReconnectPolicy, not {type(reconnect).__name__}"
        )
    return {"reconnect": reconnect}


class _SessionState:
    """What `Camera` and `pppp.aio.AsyncCamera` tell of their session without blocking."""

    __slots__ = ()

    _session: _native.Session

    @property
    def uid(self) -> str:
        """The camera's UID."""
        return self._session.uid

    @property
    def peer(self) -> Optional[str]:
        """The camera's session address ``ip:port``."""
        return self._session.peer

    @property
    def local_addr(self) -> Optional[str]:
        """Our address ``ip:port``."""
        return self._session.local_addr

    @property
    def cipher(self) -> Optional[str]:
        """``plain`` or the PSK in use."""
        return self._session.cipher

    @property
    def dialect(self) -> Optional[Dialect]:
        """The command dialect in use (known after login at the latest)."""
        d = self._session.dialect
        return None if d is None else Dialect(d)

    @property
    def dialect_source(self) -> Optional[str]:
        """How the dialect was decided: ``configured``, ``prefix`` or ``probed``."""
        return self._session.dialect_source

    @property
    def is_open(self) -> bool:
        """True until the session is closed."""
        return self._session.is_open

    @property
    def close_reason(self) -> Optional[CloseReason]:
        """Why the session closed (None while open)."""
        r = self._session.close_reason
        return None if r is None else CloseReason(r)

    def stats(self) -> SessionStats:
        """The session's counters (does not block)."""
        return SessionStats.from_dict(self._session.stats())


class Camera(_SessionState):
    """A connected camera (from `connect()`; also a context manager that closes it).

    Every method may be called from any thread. Blocking calls release the GIL and can be
    interrupted with Ctrl-C. After the session closes, calls raise `Closed`.
    """

    __slots__ = ("_session",)

    def __init__(self, session: _native.Session) -> None:
        if not isinstance(session, _native.Session):
            raise TypeError("use pppp.connect() to make a Camera")
        self._session = session

    def _run(self, op: _ops.Op[T]) -> T:
        return op.result(self._session.call(op.name, op.args))

    # -- state -----------------------------------------------------------------------------

    @property
    def session(self) -> _native.Session:
        """The native session under this camera."""
        return self._session

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next life event (connecting, connected, logged in, login refused, a message
        from the camera, disconnected, reconnected, closed), waiting up to `timeout` seconds
        (None: while the session lives); None on timeout or once nothing more can come."""
        _check_seconds(timeout, "timeout")
        e = self._session.next_event(timeout)
        return None if e is None else Event.from_native(*e)

    # -- commands --------------------------------------------------------------------------

    def login(self) -> dict[str, Any]:
        """Logs in again (`connect()` already did, unless ``login=False``)."""
        return self._session.login()

    def command(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        """Sends a raw JSON command and returns the camera's reply, whatever its ``result``.

        For SHIX cameras: ``cam.command({"pro": "get_parms", "cmd": 101})``. ``user``, ``pwd``,
        ``devmac`` and a missing ``cmd`` (from a known ``pro``) are filled in. Raises
        `TypeError`/`ValueError` for what cannot be JSON, `Timeout` when no reply comes.
        """
        return self._session.command(_ops.command(cmd))

    def params(self) -> CameraParams:
        """The camera's parameters, in any dialect: firmware, clock, night vision, ..."""
        return self._run(_ops.params())

    def set_params(self, fields: Mapping[str, Any]) -> None:
        """Sets parameters by name (SHIX ``dev_control`` fields such as ``{"lamp": 1}``)."""
        self._run(_ops.set_params(fields))

    def reboot(self) -> None:
        """Reboots the camera. The session ends when it goes down."""
        self._run(_ops.reboot())

    def ptz(self, direction: Union[PtzDirection, str], *, duration: Optional[float] = None) -> None:
        """Starts moving the camera's head (``up``, ``down``, ``left``, ``right``, or a
        diagonal on cameras that have them) until `ptz_stop()`; with `duration` (seconds),
        moves for that long and then stops."""
        self._run(_ops.ptz(direction, duration))
        if duration is not None:
            try:
                time.sleep(duration)
            finally:
                self._run(_ops.ptz_stop())

    def ptz_stop(self) -> None:
        """Stops moving the camera's head."""
        self._run(_ops.ptz_stop())

    def ptz_center(self) -> None:
        """Moves the camera's head back to the centre / home position."""
        self._run(_ops.ptz_center())

    def ptz_preset(self, n: int) -> None:
        """Stores the current position as preset `n` (0-15; VStarcam CGI cameras)."""
        self._run(_ops.ptz_preset(n))

    def ptz_goto_preset(self, n: int) -> None:
        """Moves to preset `n` (0-15; VStarcam CGI cameras)."""
        self._run(_ops.ptz_goto_preset(n))

    def ir(self, on: bool) -> None:
        """Switches night vision (the IR-cut filter) on or off."""
        self._run(_ops.ir(on))

    def toggle_ir(self) -> None:
        """Toggles night vision (iLnk binary cameras have no on/off command)."""
        self._run(_ops.toggle_ir())

    def lamp(self, on: bool) -> None:
        """Switches the camera's lamp on or off (SHIX cameras)."""
        self._run(_ops.lamp(on))

    def white_light(self, on: bool) -> None:
        """Switches the white light on or off."""
        self._run(_ops.white_light(on))

    def set_flip_mirror(self, value: Union[FlipMirror, int]) -> None:
        """Sets the picture orientation (normal, flip, mirror, both)."""
        self._run(_ops.set_flip_mirror(value))

    def wifi_scan(self) -> list[WifiNetwork]:
        """The Wi-Fi networks the camera sees."""
        return self._run(_ops.wifi_scan())

    def set_wifi(self, ssid: str, password: str) -> None:
        """Makes the camera join a Wi-Fi network (it leaves the current one)."""
        self._run(_ops.set_wifi(ssid, password))

    def set_time(self, when: Optional[float] = None, tz_offset: Optional[int] = None) -> None:
        """Sets the camera's clock to `when` (seconds since the epoch; default: now) and its
        time zone to `tz_offset` seconds east of UTC (default: this machine's)."""
        self._run(_ops.set_time(when, tz_offset))

    def sd_info(self) -> SdInfo:
        """The SD card: present, capacity, free space."""
        return self._run(_ops.sd_info())

    def cgi(self, request: str) -> dict[str, Any]:
        """Sends a VStarcam CGI request such as ``"get_status.cgi"`` (credentials are
        added) and returns the parsed reply (``fields``, ``text``, ``result`` ...)."""
        return self._session.cgi(request)

    def binary(self, cmd: int, payload: BytesLike = b"") -> dict[str, Any]:
        """Sends an iLnk binary command with a plain payload (ticket and encoding are added)
        and returns the decoded reply."""
        return self._session.binary(cmd, payload)

    # -- media -----------------------------------------------------------------------------

    def start_video(
        self,
        resolution: Union[Resolution, int] = Resolution.VGA,
        stream: Optional[int] = None,
        substream: Optional[int] = None,
    ) -> None:
        """Asks the camera to send video. VStarcam CGI cameras: `stream` is the vendor
        stream id (0-15: 0 main H.264, 1 sub H.264, 3 MJPEG sub stream, 10 the apps' live
        stream, the default) and `substream` (0-255) its substream; after a reconnection the
        same stream is asked for again."""
        self._run(_ops.start_video(resolution, stream, substream))

    def stop_video(self) -> None:
        """Asks the camera to stop video."""
        self._run(_ops.stop_video())

    def start_audio(self) -> None:
        """Asks the camera to send audio."""
        self._run(_ops.start_audio())

    def stop_audio(self) -> None:
        """Asks the camera to stop audio."""
        self._run(_ops.stop_audio())

    def video(
        self,
        resolution: Union[Resolution, int] = Resolution.VGA,
        *,
        timeout: Optional[float] = None,
        start: bool = True,
        stream: Optional[int] = None,
        substream: Optional[int] = None,
    ) -> FrameIterator:
        """Starts video (unless ``start=False``) and returns an iterator over its frames.

        ``for frame in cam.video(): ...`` yields `Frame` objects (``.data``, ``.timestamp``,
        ``.index``, ``.codec``) until the session closes (the loop then ends; with
        ``reconnect``, a camera that never comes back raises the last attempt's error, such
        as `Offline`); with `timeout`, `Timeout` is raised when no frame comes for that many
        seconds. The queue
        keeps the newest frames when you fall behind (see ``stats().video_dropped``).
        `stream` and `substream`: see `start_video`.
        """
        if start:
            self.start_video(resolution, stream, substream)
        return self._session.video_frames(timeout)

    def audio(self, *, timeout: Optional[float] = None, start: bool = True) -> FrameIterator:
        """Starts audio (unless ``start=False``) and returns an iterator over its chunks
        (see `video`)."""
        if start:
            self.start_audio()
        return self._session.audio_frames(timeout)

    def next_frame(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next video frame; None after `timeout` seconds; `Closed` once closed."""
        return self._session.next_frame(timeout)

    def next_audio(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next audio chunk; None after `timeout` seconds; `Closed` once closed."""
        return self._session.next_audio(timeout)

    def talk(self, pcm: BytesLike) -> None:
        """Plays 16-bit little-endian mono PCM at 8 kHz on the camera's speaker (encoded to
        IMA ADPCM and paced in real time). Returns once queued; an odd length is an
        `InvalidArgument` (a `ValueError`)."""
        self._session.talk(pcm)

    def talk_queued(self) -> float:
        """Seconds of talk-back audio queued and not sent yet (wait for 0 before closing to
        let the camera play everything)."""
        return self._session.talk_queued()

    def write_channel(self, channel: int, data: BytesLike) -> None:
        """Writes raw bytes on DRW channel 0-7 (for dialects pppp does not speak)."""
        self._session.write_channel(channel, data)

    # -- life ------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the session (idempotent). Iterators over its frames end."""
        self._session.close()

    def __enter__(self) -> Camera:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"at {self.peer}" if self.is_open else "closed"
        return f"<pppp.Camera {self.uid} {state}>"


class FakeCamera:
    """pppp's camera emulator on real sockets, for testing code without a camera.

    ::

        with pppp.FakeCamera() as fake:
            with fake.connect() as cam:
                frame = next(iter(cam.video()))

    It answers the LAN search on `lan_addr` (a free loopback port by default), logs in
    `user`/`password`, answers commands in its `dialect` (by default the one its UID prefix
    implies: SHIX JSON, VStarcam CGI or iLnk binary), streams test pictures (MJPEG, H.264 or
    H.265) and audio (ADPCM or A-law), accepts talk-back, and can lose, duplicate, reorder and
    delay datagrams (seeded).
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        uid: str = "DGOA-123456-ABCDE",
        *,
        host: str = "127.0.0.1",
        lan_port: int = 0,
        session_port: int = 0,
        psk: str = "auto",
        user: str = "admin",
        password: str = "6666",
        fps: int = 10,
        width: int = 320,
        height: int = 240,
        handshake: Union[Handshake, str] = Handshake.ECHO,
        long_rdy: bool = False,
        answer_from_lan_port: bool = False,
        loss: float = 0.0,
        dup: float = 0.0,
        reorder: float = 0.0,
        latency: float = 0.0,
        seed: int = 1,
        dialect: Union[Dialect, str, None] = None,
        video_codec: Union[Codec, str] = Codec.MJPEG,
        audio_codec: Union[Codec, str] = Codec.ADPCM,
    ) -> None:
        self._native = _native.FakeCamera(
            uid,
            host=host,
            lan_port=lan_port,
            session_port=session_port,
            psk=psk,
            user=user,
            password=password,
            fps=fps,
            width=width,
            height=height,
            handshake=Handshake(handshake).value,
            long_rdy=long_rdy,
            answer_from_lan_port=answer_from_lan_port,
            loss=loss,
            dup=dup,
            reorder=reorder,
            latency=latency,
            seed=seed,
            dialect=None if dialect is None else Dialect(dialect).value,
            video_codec=Codec(video_codec).value,
            audio_codec=Codec(audio_codec).value,
        )

    @property
    def uid(self) -> str:
        """The camera's UID."""
        return self._native.uid

    @property
    def psk(self) -> Optional[str]:
        """The PSK it encrypts with (None: plain)."""
        return self._native.psk

    @property
    def dialect(self) -> Dialect:
        """The command dialect it speaks."""
        return Dialect(self._native.dialect)

    @property
    def user(self) -> str:
        """The accepted user."""
        return self._native.user

    @property
    def password(self) -> str:
        """The accepted password."""
        return self._native.password

    @property
    def lan_addr(self) -> str:
        """Where it answers the LAN search, ``ip:port``: pass it as ``host=`` or ``to=``."""
        return self._native.lan_addr

    @property
    def host(self) -> str:
        """Same as `lan_addr`."""
        return self._native.lan_addr

    @property
    def session_addr(self) -> str:
        """Its session socket, ``ip:port``."""
        return self._native.session_addr

    @property
    def is_running(self) -> bool:
        """True until `stop()`."""
        return self._native.is_running

    def stats(self) -> CameraStats:
        """The camera's counters."""
        return CameraStats.from_dict(self._native.stats())

    def connect(self, **kwargs: Any) -> Camera:
        """`pppp.connect()` to this camera (its UID, address and credentials, unless given)."""
        kwargs.setdefault("host", self.lan_addr)
        kwargs.setdefault("user", self.user)
        kwargs.setdefault("password", self.password)
        return connect(self.uid, **kwargs)

    def discover(self, timeout: float = 1.0, **kwargs: Any) -> list[Device]:
        """`pppp.discover()` aimed at this camera only (by unicast)."""
        kwargs.setdefault("to", [self.lan_addr])
        return discover(timeout, **kwargs)

    def stop(self) -> None:
        """Stops the camera (idempotent)."""
        self._native.stop()

    def __enter__(self) -> FakeCamera:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "" if self.is_running else " (stopped)"
        return f"<pppp.FakeCamera {self.uid} on {self.lan_addr}{state}>"
