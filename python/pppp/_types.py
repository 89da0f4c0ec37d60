"""Enums and immutable value types of the pppp package."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Any, Mapping, Optional

__all__ = [
    "AvHeader",
    "CameraParams",
    "CameraStats",
    "CloseReason",
    "Codec",
    "Device",
    "Dialect",
    "Event",
    "FlipMirror",
    "Handshake",
    "PtzDirection",
    "ReconnectPolicy",
    "Resolution",
    "SdInfo",
    "SessionStats",
    "WifiNetwork",
]


class Codec(str, enum.Enum):
    """The codec of a frame (`Frame.codec`)."""

    MJPEG = "mjpeg"
    """One JPEG picture."""
    H264 = "h264"
    """An H.264 Annex-B access unit."""
    H265 = "h265"
    """An H.265 Annex-B access unit."""
    ADPCM = "adpcm"
    """4-bit IMA ADPCM audio."""
    ALAW = "alaw"
    """G.711 A-law audio."""
    PCM = "pcm"
    """16-bit PCM audio."""
    UNKNOWN = "unknown"
    """Anything else (see `Frame.codec_byte`)."""

    @property
    def is_audio(self) -> bool:
        """True for audio codecs."""
        return self in (Codec.ADPCM, Codec.ALAW, Codec.PCM)

    def __str__(self) -> str:
        return self.value


class Resolution(enum.IntEnum):
    """Video resolutions of SHIX cameras (`Camera.video(resolution=...)`)."""

    VGA = 1
    """640x480."""
    QVGA = 2
    """320x240."""


class PtzDirection(str, enum.Enum):
    """Directions of `Camera.ptz()` (SHIX cameras move along the four axes only)."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    UP_LEFT = "up-left"
    UP_RIGHT = "up-right"
    DOWN_LEFT = "down-left"
    DOWN_RIGHT = "down-right"


class FlipMirror(enum.IntEnum):
    """Picture orientation (`Camera.set_flip_mirror()`, `CameraParams.flip_mirror`)."""

    NORMAL = 0
    FLIP = 1
    """Upside down."""
    MIRROR = 2
    """Left-right mirrored."""
    FLIP_MIRROR = 3
    """Both."""


class Dialect(str, enum.Enum):
    """The channel-0 command dialect a camera speaks (`Camera.dialect`)."""

    SHIX = "shix"
    """SHIX JSON (vi365, HDWiFiCam, LookCam ...)."""
    CGI = "cgi"
    """VStarcam CGI (VStarcam, Eye4, O-KAM)."""
    BINARY = "binary"
    """iLnk binary (YsxLite, FtyCamPro)."""


class Handshake(str, enum.Enum):
    """How `FakeCamera` completes the handshake (the variants real devices use)."""

    ECHO = "echo"
    """CS2 devices: the controller echoes PUNCH_PKT, the device answers with P2P_RDY."""
    RDY_FIRST = "rdy-first"
    """The device sends P2P_RDY right after answering the LAN search."""
    CLOSE_THEN_RDY = "close-then-rdy"
    """The device answers PUNCH_PKT with MSG_CLOSE, then P2P_RDY."""


class CloseReason(str, enum.Enum):
    """Why a session closed (`Camera.close_reason`, `Closed.reason`)."""

    LOCAL = "local"
    """`close()` was called."""
    REMOTE = "remote"
    """The camera closed the session."""
    PEER_TIMEOUT = "peer_timeout"
    """The camera stopped answering."""
    NOT_FOUND = "not_found"
    """Nothing answered the LAN search."""
    HANDSHAKE_TIMEOUT = "handshake_timeout"
    """The camera answered the search but never completed the handshake."""
    LOGIN_REFUSED = "login_refused"
    """The camera refused the login after a reconnection (its password changed)."""


@dataclass(frozen=True)
class AvHeader:
    """The 32-byte header in front of every media frame, as the camera sent it
    (`Frame.av_header`)."""

    av_type: int
    """Byte 4: the frame type (VStarcam: 0 H.264 I frame, 1 P frame, 3 JPEG, 8 ADPCM, ...)."""
    stream: int
    """Byte 5: the stream id (VStarcam) or media type."""
    millis: int
    """The milliseconds part of the camera's timestamp."""
    seconds: int
    """The seconds part of the camera's timestamp."""
    index: int
    """The camera's frame counter."""
    len: int
    """The length of the media that follows."""
    version: int
    """Byte 20: version."""
    sessid: int
    """Byte 21: session id."""
    other: bytes = b""
    """Bytes 22-31 as received."""


@dataclass(frozen=True)
class Device:
    """A camera that answered the LAN search (`pppp.discover()`)."""

    uid: str
    """Its UID, e.g. ``DGOA-123456-ABCDE``."""
    ip: str
    """The address it answered from."""
    port: int
    """The port it answered from (its session port; its LAN-search port is usually 32108)."""
    cipher: str
    """``plain`` or the PSK its answer decoded under."""

    @property
    def addr(self) -> str:
        """``ip:port`` (IPv6 in brackets)."""
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"

    @property
    def psk(self) -> str:
        """The value to pass as ``psk=`` to `pppp.connect()` for this device."""
        if self.cipher == "plain":
            return "none"
        from . import _native

        return self.cipher if self.cipher in _native.KNOWN_PSKS else f"custom:{self.cipher}"


def _from_dict(cls: Any, d: Mapping[str, Any], **rest: Any) -> Any:
    """`cls` from the native dict `d`: the fields named in `d` (other keys are ignored), and
    `rest`."""
    names = {f.name for f in fields(cls)} - rest.keys()
    return cls(**{k: v for k, v in d.items() if k in names}, **rest)


def _from_reply(cls: Any, d: Mapping[str, Any]) -> Any:
    """`cls` from the native dict of a reply: its fields by name, and in `raw` every field of
    the reply (the native dict's ``fields``)."""
    return _from_dict(cls, d, raw=dict(d.get("fields") or {}))


@dataclass(frozen=True)
class SessionStats:
    """Counters of a session (`Camera.stats()`)."""

    datagrams_sent: int = 0
    datagrams_received: int = 0
    strangers: int = 0
    """Datagrams from other addresses, ignored."""
    undecodable: int = 0
    retransmits: int = 0
    """Our packets sent again."""
    duplicates: int = 0
    """Packets the camera sent twice."""
    out_of_order: int = 0
    video_frames: int = 0
    audio_frames: int = 0
    media_bytes: int = 0
    missing_frames: int = 0
    """Frames known missing from gaps in the camera's counter."""
    bad_replies: int = 0
    video_dropped: int = 0
    """Video frames dropped because the consumer fell behind (the oldest go first)."""
    audio_dropped: int = 0
    reconnects: int = 0
    """Successful reconnections (with ``reconnect=True``; the other counters restart)."""
    events_dropped: int = 0
    """Session events dropped because too many waited unread (the oldest go first)."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SessionStats:
        """Builds the stats from the native dict (unknown keys are ignored)."""
        stats: SessionStats = _from_dict(cls, d)
        return stats


@dataclass(frozen=True)
class CameraStats:
    """Counters of a `FakeCamera`."""

    searches: int = 0
    sessions: int = 0
    active_sessions: int = 0
    idle_drops: int = 0
    logins_ok: int = 0
    logins_failed: int = 0
    commands: int = 0
    unknown_commands: int = 0
    video_frames: int = 0
    frames_skipped: int = 0
    audio_frames: int = 0
    retransmits: int = 0
    datagrams_sent: int = 0
    datagrams_received: int = 0
    ignored: int = 0
    talk_frames: int = 0
    talk_samples: int = 0
    talk_energy: int = 0
    """Sum of absolute sample values of the talk-back audio received."""
    reboots: int = 0
    last_ptz: Optional[tuple[int, int]] = None
    """The last SHIX ``ptz_control`` received, as ``(parms, value)``."""
    foreign_blocks: int = 0
    """Channel-0 blocks of another dialect than the camera's."""
    malformed_requests: int = 0
    unauthorised: int = 0
    """iLnk binary commands ignored for lack of the session ticket."""
    ir: bool = False
    """Night vision as last set."""
    white_light: bool = False
    flip_mirror: int = 0
    """Picture orientation 0-3 as last set."""
    wifi: Optional[tuple[str, str]] = None
    """The Wi-Fi network last configured, ``(ssid, password)``."""
    clock: Optional[int] = None
    """The clock as last set (seconds since the epoch, UTC)."""
    last_cgi: Optional[str] = None
    """The last CGI requested (name without ``.cgi``)."""
    last_binary: Optional[int] = None
    """The last iLnk binary command received."""
    last_ptz_command: Optional[int] = None
    """The last CGI ``decoder_control`` command or iLnk PTZ direction."""
    preset_stored: Optional[int] = None
    preset_recalled: Optional[int] = None
    binary_resolution: Optional[int] = None
    lamp: Optional[bool] = None
    """The lamp as last set (SHIX ``dev_control`` field ``lamp``); None until set."""
    ptz_commands: int = 0
    """PTZ commands received, stops included (every dialect)."""
    searches_answered_rdy: int = 0
    """LAN searches answered with P2P_RDY (the ``rdy-first`` handshake)."""
    handshake_closes: int = 0
    """MSG_CLOSE sent before the P2P_RDY burst (the ``close-then-rdy`` handshake)."""
    rdy_sent: int = 0
    """P2P_RDY datagrams sent."""
    long_rdy_sent: int = 0
    """P2P_RDY datagrams sent in the 28-byte form (``long_rdy=True``)."""
    link_offered: int = 0
    """Datagrams through the emulated link (``loss``/``dup``/``reorder``/``latency``), both
    directions; the ``link_*`` counters stay 0 without impairments."""
    link_lost: int = 0
    link_duplicated: int = 0
    link_reordered: int = 0
    link_delayed: int = 0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CameraStats:
        """Builds the stats from the native dict (unknown keys are ignored)."""
        stats: CameraStats = _from_dict(cls, d)
        return stats


@dataclass(frozen=True)
class CameraParams:
    """The camera's parameters (`Camera.params()`), read from the reply of any dialect
    (SHIX ``get_parms``, CGI ``get_status.cgi``, iLnk status); what the camera did not report
    is None, and `raw` holds every field of the reply."""

    firmware: Optional[str] = None
    """Firmware version."""
    name: Optional[str] = None
    """Device name."""
    time: Optional[int] = None
    """The camera's clock, seconds since the Unix epoch."""
    tz: Optional[int] = None
    """The time zone field as the camera reports it."""
    ir: Optional[bool] = None
    """Night vision (IR cut filter) on."""
    flip_mirror: Optional[int] = None
    """Picture orientation 0-3 (normal, flip, mirror, both)."""
    signal: Optional[int] = None
    """Wi-Fi signal (% or dBm, as the camera reports it)."""
    battery: Optional[int] = None
    """Battery (% or millivolts, as the camera reports it)."""
    mac: Optional[str] = None
    """MAC address (VStarcam CGI cameras: the wired interface's, else the Wi-Fi one's)."""
    app_version: Optional[str] = None
    """Version of the application beside the firmware (VStarcam CGI ``app_version``)."""
    mcu_version: Optional[str] = None
    """Version of the microcontroller's firmware (SHIX ``mcuver``)."""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Every field of the reply."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CameraParams:
        """Builds the parameters from the native dict."""
        params: CameraParams = _from_reply(cls, d)
        return params


@dataclass(frozen=True)
class SdInfo:
    """SD card information (`Camera.sd_info()`); None where the camera did not say."""

    present: Optional[bool] = None
    status: Optional[int] = None
    total: Optional[int] = None
    """Capacity as the camera reports it (MB on the cameras seen)."""
    free: Optional[int] = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SdInfo:
        """Builds the information from the native dict."""
        info: SdInfo = _from_reply(cls, d)
        return info


@dataclass(frozen=True)
class WifiNetwork:
    """A Wi-Fi network the camera sees (`Camera.wifi_scan()`)."""

    ssid: str
    mac: Optional[str] = None
    signal: Optional[int] = None
    """% or dBm, as the camera reports it."""
    security: Optional[int] = None
    channel: Optional[int] = None


@dataclass(frozen=True)
class Event:
    """Something that happened to a session (`Camera.next_event()`).

    `kind` is ``connecting`` (a search and handshake begins, also before every reconnection
    attempt), ``connected`` (`peer`, `cipher`), ``logged_in`` (`reply`), ``login_refused``
    (`result`), ``message`` (a channel-0 message the camera sent on its own: `message`),
    ``disconnected`` (`reason`; reconnection follows), ``reconnected`` (`attempt`) or
    ``closed`` (`reason`).
    """

    kind: str
    peer: Optional[str] = None
    cipher: Optional[str] = None
    reply: Optional[dict[str, Any]] = None
    result: Optional[int] = None
    message: Optional[dict[str, Any]] = None
    reason: Optional[CloseReason] = None
    attempt: Optional[int] = None

    @property
    def text(self) -> Optional[str]:
        """The text of a ``message`` or ``logged_in`` event from a VStarcam CGI camera, as the
        camera sent it (``var key=value;`` lines); None otherwise."""
        d = self.message if self.kind == "message" else self.reply
        t = None if d is None else d.get("text")
        return t if isinstance(t, str) else None

    @classmethod
    def from_native(cls, kind: str, details: Mapping[str, Any]) -> Event:
        d = dict(details)
        if "reason" in d:
            d["reason"] = CloseReason(d["reason"])
        return cls(kind=kind, **d)


@dataclass(frozen=True)
class ReconnectPolicy:
    """How `connect(reconnect=...)` reconnects when the camera is lost after the session
    was up: it logs in again, restarts the video/audio that was running, and frames keep
    coming from the same iterators."""

    backoff: float = 0.5
    """Wait before the first attempt, in seconds (doubling after each failure)."""
    max_backoff: float = 30.0
    """Longest wait between attempts."""
    max_attempts: Optional[int] = None
    """Give up (the session closes) after this many failed attempts; None: never."""
