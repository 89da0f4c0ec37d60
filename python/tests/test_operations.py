"""`Camera` and `AsyncCamera` agree with core's operation table (`pppp._native.OPERATIONS`):
every operation has its method under its Python name, taking the table's arguments in order,
and the method runs that operation with those arguments."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Optional

import pytest

import pppp
from pppp import _native
from pppp.aio import AsyncCamera

# Parameters whose Python name differs from the table's (kept for compatibility): the
# Python name, then the table's.
PYTHON_NAMES = {"n": "preset", "when": "epoch"}

# A valid value for each kind of argument.
SAMPLES: dict[str, Any] = {
    "bool": True,
    "direction": "up",
    "flip_mirror": 1,
    "text": "x",
    "fields": {"lamp": 1},
}


def sample(arg: dict[str, Any]) -> Any:
    return arg["min"] + 1 if arg["kind"] == "int" else SAMPLES[arg["kind"]]


def positional(method: Any) -> list[inspect.Parameter]:
    """The parameters of `method` after `self` that can be given by position."""
    params = list(inspect.signature(method).parameters.values())[1:]
    return [p for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]


class Recorded(Exception):
    """Raised by the recording session once a call is recorded."""


class Recorder:
    """Stands in for a native session: records `call(name, args)`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, name: str, args: Optional[dict[str, Any]] = None) -> Any:
        self.calls.append((name, dict(args or {})))
        raise Recorded


def test_the_table_is_published() -> None:
    names = [op["name"] for op in _native.OPERATIONS]
    assert len(names) == len(set(names)) > 15
    assert {"ptz", "params", "start_video", "set_lamp", "sd_info"} <= set(names)
    for op in _native.OPERATIONS:
        assert op["reply"] in {"done", "params", "wifi_networks", "sd_info"}
        assert set(op["dialects"]) <= {"shix", "cgi", "binary"}
        assert op["doc"]


@pytest.mark.parametrize("op", _native.OPERATIONS, ids=lambda op: op["name"])
def test_each_operation_has_its_methods_with_the_tables_arguments(op: dict[str, Any]) -> None:
    sync = getattr(pppp.Camera, op["python"], None)
    asy = getattr(AsyncCamera, op["python"], None)
    assert sync is not None, f"Camera.{op['python']} is missing"
    assert asy is not None, f"AsyncCamera.{op['python']} is missing"
    assert inspect.iscoroutinefunction(asy)
    assert inspect.signature(sync).parameters.keys() == inspect.signature(asy).parameters.keys()
    params = positional(sync)
    assert [PYTHON_NAMES.get(p.name, p.name) for p in params] == [a["name"] for a in op["args"]]
    for p, a in zip(params, op["args"]):
        if not a["required"]:
            assert p.default is not inspect.Parameter.empty, f"{op['python']}({p.name}) optional"


@pytest.mark.parametrize("op", _native.OPERATIONS, ids=lambda op: op["name"])
def test_each_method_runs_its_operation_with_the_tables_arguments(op: dict[str, Any]) -> None:
    args = [sample(a) for a in op["args"]]
    expected = (op["name"], {a["name"]: v for a, v in zip(op["args"], args)})

    cam = pppp.Camera.__new__(pppp.Camera)
    rec = Recorder()
    object.__setattr__(cam, "_session", rec)
    with pytest.raises(Recorded):
        getattr(cam, op["python"])(*args)
    assert rec.calls == [expected]

    acam = AsyncCamera.__new__(AsyncCamera)
    requests: list[tuple[str, Optional[str], Any]] = []

    async def request(kind: str, name: Optional[str] = None, args: Any = None) -> Any:
        requests.append((kind, name, args))
        raise Recorded

    acam._request = request  # type: ignore[method-assign]
    with pytest.raises(Recorded):
        asyncio.run(getattr(acam, op["python"])(*args))
    assert requests == [("op", *expected)]
