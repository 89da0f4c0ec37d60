"""pppp: talk to PPPP / CS2 / iLnkP2P Wi-Fi cameras on your LAN, privately.

::

    import pppp

    for dev in pppp.discover(timeout=2.0):
        print(dev.uid, dev.addr)

    with pppp.connect("DGOA-123456-ABCDE", host="192.168.1.50", password="6666") as cam:
        print(cam.params().firmware)
        for frame in cam.video():
            print(frame.index, frame.codec, len(frame.data))

Every error is a `PpppError`; bad arguments also raise `ValueError` subclasses (`InvalidUid`,
`UnknownPsk`, `InvalidArgument`, ...) or `TypeError`. Blocking calls release the GIL and can be
interrupted with Ctrl-C. `pppp.aio` has the same API for asyncio; `FakeCamera` is a camera
emulator for tests.
"""

from __future__ import annotations

from ._camera import Camera, FakeCamera, Search, connect, discover
from ._native import (
    KNOWN_PSKS,
    LAN_PORT,
    BufferFull,
    Closed,
    Frame,
    FrameIterator,
    InvalidAddress,
    InvalidArgument,
    InvalidCommand,
    InvalidUid,
    NetworkError,
    Offline,
    PpppError,
    ProtocolError,
    Rejected,
    Timeout,
    UnknownPsk,
    WrongPassword,
    __version__,
)
from ._types import (
    AvHeader,
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

from . import aio  # noqa: E402  (imports the names above)

__all__ = [
    "KNOWN_PSKS",
    "LAN_PORT",
    "AvHeader",
    "BufferFull",
    "Camera",
    "CameraParams",
    "CameraStats",
    "CloseReason",
    "Closed",
    "Codec",
    "Device",
    "Dialect",
    "Event",
    "FakeCamera",
    "FlipMirror",
    "Frame",
    "FrameIterator",
    "Handshake",
    "InvalidAddress",
    "InvalidArgument",
    "InvalidCommand",
    "InvalidUid",
    "NetworkError",
    "Offline",
    "PpppError",
    "ProtocolError",
    "PtzDirection",
    "ReconnectPolicy",
    "Rejected",
    "Resolution",
    "SdInfo",
    "Search",
    "SessionStats",
    "Timeout",
    "UnknownPsk",
    "WifiNetwork",
    "WrongPassword",
    "__version__",
    "aio",
    "connect",
    "discover",
]
