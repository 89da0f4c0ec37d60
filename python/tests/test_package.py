"""The package's surface: exports, exception classes, enums, value types."""

from __future__ import annotations

import pickle

import pytest

import pppp
import pppp.aio
from pppp import _native


def test_all_names_exist() -> None:
    for name in pppp.__all__:
        assert hasattr(pppp, name), name
    assert pppp.__version__.count(".") == 2
    assert pppp.LAN_PORT == 32108
    assert "camera" in pppp.KNOWN_PSKS and "SHIX" in pppp.KNOWN_PSKS


ERRORS = [
    pppp.InvalidUid,
    pppp.UnknownPsk,
    pppp.InvalidArgument,
    pppp.InvalidAddress,
    pppp.InvalidCommand,
    pppp.WrongPassword,
    pppp.Offline,
    pppp.Timeout,
    pppp.Closed,
    pppp.ProtocolError,
    pppp.Rejected,
    pppp.BufferFull,
    pppp.NetworkError,
]


@pytest.mark.parametrize("cls", ERRORS)
def test_error_classes(cls: type[pppp.PpppError]) -> None:
    assert issubclass(cls, pppp.PpppError)
    assert issubclass(cls, Exception)
    assert cls.__module__ == "pppp"
    assert cls.__doc__
    e = cls("a readable message")
    assert str(e) == "a readable message"
    # Picklable (multiprocessing, logging handlers), found again as pppp.<name>.
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls and str(back) == "a readable message"


def test_error_groups() -> None:
    for cls in (
        pppp.InvalidUid,
        pppp.UnknownPsk,
        pppp.InvalidArgument,
        pppp.InvalidAddress,
        pppp.InvalidCommand,
    ):
        assert issubclass(cls, ValueError)
    assert issubclass(pppp.Timeout, TimeoutError)
    assert issubclass(pppp.NetworkError, OSError)
    for other in (pppp.WrongPassword, pppp.Offline, pppp.Closed, pppp.Rejected):
        assert not issubclass(other, ValueError)
    assert pppp.PpppError.__bases__ == (Exception,)


def test_native_module_is_the_same_classes() -> None:
    assert pppp.PpppError is _native.PpppError
    assert pppp.Frame is _native.Frame


def test_enums() -> None:
    assert pppp.Codec("mjpeg") is pppp.Codec.MJPEG
    assert str(pppp.Codec.H264) == "h264"
    assert pppp.Codec.ADPCM.is_audio and not pppp.Codec.MJPEG.is_audio
    assert int(pppp.Resolution.VGA) == 1 and int(pppp.Resolution.QVGA) == 2
    assert pppp.PtzDirection("up-left") is pppp.PtzDirection.UP_LEFT
    assert int(pppp.FlipMirror.MIRROR) == 2
    assert pppp.Dialect("cgi") is pppp.Dialect.CGI
    assert pppp.Handshake("rdy-first") is pppp.Handshake.RDY_FIRST
    assert pppp.CloseReason("peer_timeout") is pppp.CloseReason.PEER_TIMEOUT


def test_device_value_type() -> None:
    d = pppp.Device(uid="DGOA-123456-ABCDE", ip="127.0.0.1", port=40000, cipher="camera")
    assert d.addr == "127.0.0.1:40000"
    assert d.psk == "camera"
    assert pppp.Device("X", "::1", 5, "plain").addr == "[::1]:5"
    assert pppp.Device("X", "::1", 5, "plain").psk == "none"
    assert pppp.Device("X", "1.2.3.4", 5, "my secret").psk == "custom:my secret"
    assert d == pppp.Device("DGOA-123456-ABCDE", "127.0.0.1", 40000, "camera")
    assert len({d, pppp.Device("DGOA-123456-ABCDE", "127.0.0.1", 40000, "camera")}) == 1
    with pytest.raises(AttributeError):
        d.uid = "other"  # type: ignore[misc]


def test_value_types_from_native_dicts() -> None:
    p = pppp.CameraParams.from_dict({"firmware": "1.2", "time": 5, "fields": {"sysver": "1.2"}})
    assert p.firmware == "1.2" and p.time == 5 and p.battery is None
    assert p.raw == {"sysver": "1.2"}
    assert p == pppp.CameraParams(firmware="1.2", time=5)  # raw is not compared
    sd = pppp.SdInfo.from_dict({"present": True, "total": 100})
    assert sd.present and sd.total == 100 and sd.free is None
    assert pppp.ReconnectPolicy().max_attempts is None


def test_stats_from_dict_ignores_unknown_keys() -> None:
    s = pppp.SessionStats.from_dict({"retransmits": 3, "some_new_counter": 9})
    assert s.retransmits == 3 and s.video_frames == 0


def test_aio_exports() -> None:
    for name in pppp.aio.__all__:
        assert hasattr(pppp.aio, name), name


def test_camera_cannot_be_made_by_hand() -> None:
    with pytest.raises(TypeError):
        pppp.Camera(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _native.Session()
