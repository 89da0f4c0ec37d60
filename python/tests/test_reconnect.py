"""connect(reconnect=...): a camera that goes away and comes back, frames keep coming."""

from __future__ import annotations

import pytest

import pppp
from conftest import UID, eventually


def port_of(addr: str) -> int:
    return int(addr.rsplit(":", 1)[1])


def test_stream_survives_a_camera_restart() -> None:
    first = pppp.FakeCamera(UID, fps=25, width=160, height=120)
    lan, session = port_of(first.lan_addr), port_of(first.session_addr)
    policy = pppp.ReconnectPolicy(backoff=0.1, max_backoff=0.5, max_attempts=50)
    try:
        with first.connect(timeout=5.0, dead_after=1.0, reconnect=policy) as cam:
            it = cam.video(timeout=20.0)
            assert next(it).data
            first.stop()
            # The same camera comes back on the same ports (as after a reboot).
            with pppp.FakeCamera(UID, lan_port=lan, session_port=session, fps=25,
                                 width=160, height=120) as second:
                eventually(lambda: cam.stats().reconnects >= 1, "the session reconnects", 20)
                # Video was running: it is restarted and the same iterator goes on.
                assert next(it).data
                assert cam.is_open
                eventually(lambda: second.stats().logins_ok >= 1, "logged in again")
    finally:
        first.stop()


def test_reconnect_gives_up_after_max_attempts() -> None:
    fake = pppp.FakeCamera(UID)
    policy = pppp.ReconnectPolicy(backoff=0.05, max_backoff=0.1, max_attempts=2)
    with fake.connect(timeout=0.5, dead_after=1.0, reconnect=policy) as cam:
        fake.stop()
        # The last attempt's failure ends the session, and is what waiting callers get.
        with pytest.raises(pppp.Offline):
            while True:
                cam.next_frame(timeout=None)
        assert not cam.is_open
        assert cam.close_reason is pppp.CloseReason.NOT_FOUND
        with pytest.raises(pppp.Offline):
            for _ in cam.video(start=False):
                pass


def test_reconnect_argument_types() -> None:
    with pytest.raises(TypeError):
        pppp.connect(UID, host="127.0.0.1:9", reconnect="yes")  # type: ignore[arg-type]
