"""The typed operations of core's table (`_native.OPERATIONS`), written once for `Camera` and
`AsyncCamera`: each function takes a method's arguments, checks and converts them, and
returns the `Op` to run (the table's name and arguments, and how to read the reply). `Camera`
runs it with a blocking call, `AsyncCamera` on the event loop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Generic, Mapping, Optional, TypeVar, Union

from ._types import CameraParams, FlipMirror, PtzDirection, Resolution, SdInfo, WifiNetwork

T = TypeVar("T")


def _nothing(_reply: Any) -> None:
    return None


@dataclass(frozen=True)
class Op(Generic[T]):
    """An operation of the table to run, and how its reply becomes the method's result."""

    name: str
    args: dict[str, Any]
    result: Callable[[Any], T]


def _done(name: str, **args: Any) -> Op[None]:
    """An operation whose reply is only its success."""
    return Op(name, args, _nothing)


def check_seconds(value: Optional[float], name: str) -> None:
    """Raises `ValueError` unless `value` (the argument `name`) is None or a number of
    seconds >= 0 (NaN is refused)."""
    if value is not None and not value >= 0:
        raise ValueError(f"{name} must be a non-negative number of seconds")


def _wifi_networks(reply: Any) -> list[WifiNetwork]:
    return [WifiNetwork(**n) for n in reply]


def params() -> Op[CameraParams]:
    return Op("params", {}, CameraParams.from_dict)


def set_params(fields: Mapping[str, Any]) -> Op[None]:
    if not isinstance(fields, Mapping):
        raise TypeError(f"fields must be a dict, not {type(fields).__name__}")
    return _done("set_params", fields=dict(fields))


def reboot() -> Op[None]:
    return _done("reboot")


def ptz(direction: Union[PtzDirection, str], duration: Optional[float]) -> Op[None]:
    """The operation that starts `ptz`; `duration` is checked here, the caller waits it out
    and then runs `ptz_stop`."""
    d = PtzDirection(direction)
    check_seconds(duration, "duration")
    return _done("ptz", direction=d.value)


def ptz_stop() -> Op[None]:
    return _done("ptz_stop")


def ptz_center() -> Op[None]:
    return _done("ptz_center")


def ptz_preset(n: int) -> Op[None]:
    return _done("ptz_preset", preset=n)


def ptz_goto_preset(n: int) -> Op[None]:
    return _done("ptz_goto_preset", preset=n)


def ir(on: bool) -> Op[None]:
    return _done("set_ir", on=bool(on))


def toggle_ir() -> Op[None]:
    return _done("toggle_ir")


def lamp(on: bool) -> Op[None]:
    return _done("set_lamp", on=bool(on))


def white_light(on: bool) -> Op[None]:
    return _done("set_white_light", on=bool(on))


def set_flip_mirror(value: Union[FlipMirror, int]) -> Op[None]:
    return _done("set_flip_mirror", value=int(FlipMirror(value)))


def wifi_scan() -> Op[list[WifiNetwork]]:
    return Op("wifi_scan", {}, _wifi_networks)


def set_wifi(ssid: str, password: str) -> Op[None]:
    return _done("set_wifi", ssid=ssid, password=password)


def set_time(when: Optional[float], tz_offset: Optional[int]) -> Op[None]:
    """`when` (default now) as whole seconds, and `tz_offset` (default this machine's zone at
    that time)."""
    epoch = time.time() if when is None else when
    if isinstance(epoch, bool) or not isinstance(epoch, (int, float)):
        raise TypeError(f"when must be a number of seconds, not {type(epoch).__name__}")
    if not 0 <= epoch < 2**34:
        raise ValueError(f"when must be seconds since the epoch, not {epoch}")
    if tz_offset is None:
        local = time.localtime(epoch)
        tz_offset = local.tm_gmtoff if local.tm_gmtoff is not None else -time.timezone
    return _done("set_time", epoch=int(epoch), tz_offset=tz_offset)


def sd_info() -> Op[SdInfo]:
    return Op("sd_info", {}, SdInfo.from_dict)


def start_video(
    resolution: Union[Resolution, int], stream: Optional[int], substream: Optional[int]
) -> Op[None]:
    if substream is not None and stream is None:
        raise ValueError("a substream needs its stream")
    args: dict[str, Any] = {"resolution": int(Resolution(resolution))}
    if stream is not None:
        args["stream"] = stream
    if substream is not None:
        args["substream"] = substream
    return _done("start_video", **args)


def stop_video() -> Op[None]:
    return _done("stop_video")


def start_audio() -> Op[None]:
    return _done("start_audio")


def stop_audio() -> Op[None]:
    return _done("stop_audio")


def command(cmd: Mapping[str, Any]) -> dict[str, Any]:
    """A raw JSON command's argument (not an operation of the table)."""
    if not isinstance(cmd, Mapping):
        raise TypeError(
            "a command is a dict such as {'pro': 'get_parms', 'cmd': 101}, "
            f"not {type(cmd).__name__}"
        )
    return dict(cmd)
