"""Shared fixtures: a fake camera on loopback, and a camera connected to it.

Every test talks to `pppp.FakeCamera` on 127.0.0.1 by unicast; nothing is broadcast.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

import pytest

import pppp

UID = "DGOA-123456-ABCDE"


@pytest.fixture(autouse=True)
def _no_lan_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    # PPPP_LAN_TARGETS would redirect searches; the tests name their targets themselves.
    monkeypatch.delenv("PPPP_LAN_TARGETS", raising=False)


@pytest.fixture
def fake() -> Iterator[pppp.FakeCamera]:
    with pppp.FakeCamera(UID, fps=25, width=160, height=120) as cam:
        yield cam


@pytest.fixture
def cam(fake: pppp.FakeCamera) -> Iterator[pppp.Camera]:
    with fake.connect(timeout=5.0) as c:
        yield c


def eventually(cond: Callable[[], bool], what: str, limit: float = 10.0) -> None:
    """Waits until `cond()` holds (for state another thread updates, such as the fake
    camera's counters, published every 100 ms); fails after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.02)
