"""Connecting, logging in, commands and typed helpers, against the fake camera."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import pppp
from conftest import UID, eventually


def test_connect_login_and_state(fake: pppp.FakeCamera, cam: pppp.Camera) -> None:
    assert cam.uid == UID
    assert cam.peer == fake.session_addr
    assert cam.cipher == "camera"
    assert cam.is_open and cam.close_reason is None
    assert cam.local_addr is not None and cam.local_addr.startswith("0.0.0.0:")
    assert repr(cam).startswith(f"<pppp.Camera {UID} at 127.0.0.1:")
    eventually(lambda: fake.stats().logins_ok == 1, "the camera counts the login")


def test_raw_command_returns_the_reply_as_is(cam: pppp.Camera) -> None:
    reply = cam.command({"pro": "get_parms", "cmd": 101})
    assert reply["cmd"] == 101 and reply["result"] == 0
    assert reply["sysver"] == "PPPP_FAKE_1.0 (pppp emulator)"
    # `cmd` filled in from a known `pro`; nested values and every JSON type go through.
    reply = cam.command(
        {"pro": "set_alarm", "pirenable": 1, "x": [1, 2.5, None, True, {"y": "z"}], "t": (1,)}
    )
    assert reply == {"cmd": 108, "result": 0}
    # An unknown command is answered with a failure, which raw commands return.
    assert cam.command({"pro": "nonsense", "cmd": 4242}) == {"cmd": 4242, "result": -1}


def test_typed_helpers(fake: pppp.FakeCamera, cam: pppp.Camera) -> None:
    assert cam.dialect is pppp.Dialect.SHIX and cam.dialect_source == "prefix"
    p = cam.params()
    assert isinstance(p, pppp.CameraParams)
    assert p.firmware == "PPPP_FAKE_1.0 (pppp emulator)"
    assert p.battery == 90 and p.signal == 100 and p.ir is False and p.flip_mirror == 0
    assert p.time is not None and p.time >= 1_700_000_000
    assert p.raw["sysver"] == p.firmware
    assert fake.stats().ptz_commands == 0
    cam.ptz("left")
    eventually(lambda: fake.stats().last_ptz == (0, 4), "ptz left start")
    cam.ptz_stop()
    eventually(lambda: fake.stats().last_ptz == (0, 5), "ptz left stop")
    cam.ptz(pppp.PtzDirection.DOWN, duration=0.05)
    eventually(lambda: fake.stats().last_ptz == (0, 3), "ptz down, then stop")
    cam.ptz_center()
    eventually(lambda: fake.stats().last_ptz == (1, 132), "ptz centre")
    assert fake.stats().ptz_commands == 5, "start, stop, start, stop, centre"
    cam.ir(True)
    eventually(lambda: fake.stats().ir, "night vision on")
    cam.white_light(True)
    eventually(lambda: fake.stats().white_light, "white light on")
    cam.set_flip_mirror(pppp.FlipMirror.MIRROR)
    eventually(lambda: fake.stats().flip_mirror == 2, "mirrored")
    cam.lamp(False)
    eventually(lambda: fake.stats().lamp is False, "lamp off")
    cam.set_params({"lamp": 1})
    eventually(lambda: fake.stats().lamp is True, "lamp on through set_params")
    cam.set_time(1_800_000_000, tz_offset=3600)
    eventually(lambda: fake.stats().clock == 1_800_000_000, "clock set")
    nets = cam.wifi_scan()
    assert [n.ssid for n in nets] == ["pppp-lab", "neighbour"]
    assert all(isinstance(n, pppp.WifiNetwork) for n in nets)
    cam.set_wifi("home", "secret")
    eventually(lambda: fake.stats().wifi == ("home", "secret"), "wifi set")
    sd = cam.sd_info()
    assert isinstance(sd, pppp.SdInfo) and sd.present is False
    # What SHIX cameras cannot do is refused before sending, as a ValueError.
    with pytest.raises(pppp.InvalidCommand, match="one axis"):
        cam.ptz("up-left")
    with pytest.raises(pppp.InvalidCommand):
        cam.ptz_preset(1)
    with pytest.raises(ValueError):
        cam.ptz_preset(99)
    with pytest.raises(ValueError):
        cam.ptz("sideways")
    with pytest.raises(ValueError):
        cam.ptz("up", duration=-1)
    with pytest.raises(ValueError):
        cam.set_flip_mirror(7)
    with pytest.raises(TypeError):
        cam.set_params([("lamp", 1)])  # type: ignore[arg-type]
    assert cam.is_open


def test_reboot(fake: pppp.FakeCamera, cam: pppp.Camera) -> None:
    cam.reboot()
    eventually(lambda: fake.stats().reboots == 1, "the camera reboots")


def test_refused_credentials_raise_wrong_password(fake: pppp.FakeCamera) -> None:
    # Not logged in, and every SHIX request carries the wrong password: the camera answers
    # result -3, which the core (not this package) reads as a refusal of the credentials.
    with fake.connect(timeout=5.0, login=False, password="nope") as cam:
        with pytest.raises(pppp.WrongPassword) as e:
            cam.params()
        assert e.value.result == -3
        # A raw command returns whatever the camera answered, refusals included.
        assert cam.command({"pro": "get_parms", "cmd": 101})["result"] == -3


def test_wrong_password(fake: pppp.FakeCamera) -> None:
    with pytest.raises(pppp.WrongPassword) as e:
        fake.connect(password="nope", timeout=5.0)
    assert e.value.result == -3
    assert "password" in str(e.value)
    eventually(lambda: fake.stats().logins_failed == 1, "the camera refused one login")
    # The refused session was closed, not leaked.
    eventually(lambda: fake.stats().active_sessions == 0, "the session is gone")


def test_login_later(fake: pppp.FakeCamera) -> None:
    with fake.connect(login=False, timeout=5.0) as cam:
        assert cam.login()["result"] == 0
    with fake.connect(login=False, password="bad", timeout=5.0) as cam:
        with pytest.raises(pppp.WrongPassword):
            cam.login()


def test_invalid_uid() -> None:
    for bad in ["bad", "DGOA-12X456-ABCDE", "", "DGOA-123456-ABCDE-EXTRA"]:
        with pytest.raises(pppp.InvalidUid) as e:
            pppp.connect(bad, host="127.0.0.1:9")
        assert isinstance(e.value, ValueError)
        assert "UID" in str(e.value)


def test_offline(fake: pppp.FakeCamera) -> None:
    with pytest.raises(pppp.Offline) as e:
        pppp.connect("DGOA-000001-AAAAA", host=fake.lan_addr, timeout=0.5)
    assert e.value.uid == "DGOA-000001-AAAAA"
    assert e.value.after == 0.5
    assert "offline" in str(e.value)


def test_wrong_psk_is_offline(fake: pppp.FakeCamera) -> None:
    with pytest.raises(pppp.Offline):
        fake.connect(psk="SHIX", timeout=0.5)


def test_bad_argument_types_and_values(fake: pppp.FakeCamera, cam: pppp.Camera) -> None:
    # Deliberate misuse: untyped aliases keep mypy from rejecting the calls.
    anycam: Any = cam
    connect: Any = pppp.connect
    bad_calls: list[tuple[type[BaseException], Any]] = [
        (TypeError, lambda: connect(123)),
        (TypeError, lambda: connect(UID, host=5)),
        (TypeError, lambda: fake.connect(timeout="soon")),
        (ValueError, lambda: fake.connect(timeout=-1)),
        (ValueError, lambda: fake.connect(timeout=float("inf"))),
        (ValueError, lambda: fake.connect(video_queue=0)),
        (ValueError, lambda: fake.connect(video_queue=2**80)),
        (TypeError, lambda: fake.connect(audio_queue=1.5)),
        (pppp.UnknownPsk, lambda: fake.connect(psk="nosuchpsk")),
        (pppp.InvalidAddress, lambda: connect(UID, host="127.0.0.1:notaport")),
        (TypeError, lambda: connect(UID, to=[None])),
        (TypeError, lambda: anycam.command("get_parms")),
        (TypeError, lambda: anycam.command({1: 2})),
        (TypeError, lambda: anycam.command({"pro": object()})),
        (TypeError, lambda: anycam.command({"pro": b"bytes"})),
        (ValueError, lambda: anycam.command({"x": float("nan")})),
        (ValueError, lambda: anycam.command({"x": 2**70})),
        (TypeError, lambda: anycam.talk("text")),
        (TypeError, lambda: anycam.talk(1000)),
        (TypeError, lambda: anycam.talk(None)),
        (ValueError, lambda: anycam.talk(b"\x00\x01\x02")),
        (ValueError, lambda: anycam.write_channel(8, b"x")),
        (ValueError, lambda: anycam.write_channel(-1, b"x")),
        (TypeError, lambda: anycam.write_channel("0", b"x")),
        (ValueError, lambda: anycam.video(resolution=3)),
        (ValueError, lambda: anycam.next_frame(timeout=-0.5)),
        (TypeError, lambda: anycam.next_frame(timeout="1")),
        (ValueError, lambda: anycam.set_time(float("inf"))),
        (ValueError, lambda: anycam.set_time(2**80)),
        (TypeError, lambda: anycam.set_time("now")),
        (ValueError, lambda: anycam.set_time(0, tz_offset=10**6)),
        (ValueError, lambda: anycam.binary(2**17, b"")),
        (TypeError, lambda: anycam.binary(1, "text")),
    ]
    for i, (exc, call) in enumerate(bad_calls):
        with pytest.raises(exc):
            call()
        assert cam.is_open, f"call {i} broke the session"
    # Invalid commands are PpppErrors too.
    with pytest.raises(pppp.InvalidCommand):
        cam.command({"pro": "no_such_name"})
    assert cam.params().firmware


def test_deep_and_self_referencing_commands_do_not_crash(cam: pppp.Camera) -> None:
    deep: Any = "x"
    for _ in range(1000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested"):
        cam.command({"deep": deep})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested"):
        cam.command({"loop": loop})
    assert cam.params().firmware


def test_talk_reaches_the_speaker(fake: pppp.FakeCamera, cam: pppp.Camera) -> None:
    import array
    import math

    tone = array.array("h", (int(8000 * math.sin(i * 0.3)) for i in range(1024)))
    cam.talk(tone)  # anything with the buffer protocol
    cam.talk(bytearray(tone.tobytes()))
    cam.talk(memoryview(tone.tobytes()))
    eventually(lambda: fake.stats().talk_samples >= 3 * 1024, "the camera decodes the audio")
    s = fake.stats()
    assert s.talk_energy // s.talk_samples > 1000, "the camera decoded silence"


def test_close_is_idempotent_and_later_calls_raise_closed(fake: pppp.FakeCamera) -> None:
    with fake.connect(timeout=5.0) as cam:
        pass
    assert not cam.is_open
    assert cam.close_reason is pppp.CloseReason.LOCAL
    cam.close()
    with pytest.raises(pppp.Closed) as e:
        cam.params()
    assert e.value.reason == "local"
    with pytest.raises(pppp.Closed):
        cam.next_frame(timeout=0)
    assert repr(cam).endswith("closed>")
    eventually(lambda: fake.stats().active_sessions == 0, "the camera let the session go")


def test_camera_closing_the_session_ends_it(fake: pppp.FakeCamera) -> None:
    with fake.connect(timeout=5.0, dead_after=1.0) as cam:
        fake.stop()
        with pytest.raises(pppp.Closed) as e:
            while True:
                cam.next_frame(timeout=None)
        assert e.value.reason == "peer_timeout"
        assert cam.close_reason is pppp.CloseReason.PEER_TIMEOUT


def test_calls_from_many_threads_share_the_session(cam: pppp.Camera) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                assert cam.params().firmware
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_blocking_waits_release_the_gil(fake: pppp.FakeCamera, cam: pppp.Camera) -> None:
    # A thread blocked waiting for audio (never started) must not stop this thread's work;
    # closing the session then ends its wait.
    outcome: list[object] = []
    started = threading.Event()

    def waiter() -> None:
        started.set()
        try:
            outcome.append(cam.next_audio(timeout=None))
        except pppp.Closed as e:
            outcome.append(e)

    t = threading.Thread(target=waiter)
    t.start()
    started.wait()
    eventually(lambda: cam.session.blocked_readers == 1, "the waiter blocks in the native call")
    for _ in range(3):
        assert cam.params().firmware
    assert not outcome, "the wait ended by itself"
    eventually(lambda: cam.session.blocked_readers == 1, "the waiter still blocks")
    cam.close()
    t.join(timeout=60)
    assert not t.is_alive(), "the close did not end the blocked wait"
    assert len(outcome) == 1 and isinstance(outcome[0], pppp.Closed)


def test_stats(cam: pppp.Camera) -> None:
    cam.params()
    # Counters are published by the session thread a few times per second.
    eventually(lambda: cam.stats().datagrams_received > 0, "counters are published")
    s = cam.stats()
    assert isinstance(s, pppp.SessionStats)
    assert s.datagrams_sent > 0 and s.datagrams_received > 0
    assert s.strangers == 0 and s.undecodable == 0
