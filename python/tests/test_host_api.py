"""What an event-driven host needs (the Java layer's list, for every binding): life events of
every kind, the camera's own messages and CGI reply text, the picture size and AV header of
every frame, vendor stream ids, the name/MAC/versions a camera reports, a cancellable search."""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

import pppp
import pppp.aio
from conftest import UID, eventually

CGI_UID = "VSTC-222222-HHHHH"


@pytest.fixture
def cgi_fake() -> Iterator[pppp.FakeCamera]:
    with pppp.FakeCamera(CGI_UID, fps=25, width=160, height=128, video_codec="h264") as f:
        yield f


def events(cam: pppp.Camera) -> list[pppp.Event]:
    """Every event queued now."""
    out: list[pppp.Event] = []
    while True:
        e = cam.next_event(0.0)
        if e is None:
            return out
        out.append(e)


def test_life_events_of_a_session(fake: pppp.FakeCamera) -> None:
    cam = fake.connect(timeout=5.0)
    first = events(cam)
    assert [e.kind for e in first] == ["connecting", "connected", "logged_in"]
    assert first[1].peer == fake.session_addr and first[1].cipher == "camera"
    assert first[2].reply is not None and first[2].reply["cmd"] == 100
    assert first[2].text is None  # SHIX replies are JSON
    cam.close()
    rest: list[pppp.Event] = []
    while (e := cam.next_event(10.0)) is not None:
        rest.append(e)
    assert rest[-1].kind == "closed" and rest[-1].reason is pppp.CloseReason.LOCAL
    # Finished: a wait for more ends at once, whatever its timeout.
    assert cam.next_event(3600.0) is None


def test_a_refused_login_is_an_event(fake: pppp.FakeCamera) -> None:
    with pytest.raises(pppp.WrongPassword):
        fake.connect(timeout=5.0, password="wrong")
    cam = fake.connect(timeout=5.0, password="wrong", login=False)
    try:
        with pytest.raises(pppp.WrongPassword):
            cam.login()
        got = events(cam)
        assert [e.kind for e in got] == ["connecting", "connected", "login_refused"]
        assert got[-1].result == -3  # SHIX: user or password wrong
    finally:
        cam.close()


def test_disconnected_and_reconnected_are_events() -> None:
    first = pppp.FakeCamera(UID, fps=25, width=160, height=120)
    lan = int(first.lan_addr.rsplit(":", 1)[1])
    session = int(first.session_addr.rsplit(":", 1)[1])
    policy = pppp.ReconnectPolicy(backoff=0.1, max_backoff=0.5, max_attempts=50)
    try:
        with first.connect(timeout=5.0, dead_after=1.0, reconnect=policy) as cam:
            events(cam)
            first.stop()
            with pppp.FakeCamera(UID, lan_port=lan, session_port=session):
                seen: list[pppp.Event] = []
                while not any(e.kind == "reconnected" for e in seen):
                    e = cam.next_event(20.0)
                    assert e is not None, f"no reconnection: {seen}"
                    seen.append(e)
                kinds = [e.kind for e in seen]
                assert kinds.index("disconnected") < kinds.index("reconnected")
                lost = seen[kinds.index("disconnected")]
                assert lost.reason is pppp.CloseReason.PEER_TIMEOUT
                back = seen[kinds.index("reconnected")]
                assert back.attempt is not None and back.attempt >= 1
    finally:
        first.stop()


def test_cgi_text_and_the_cameras_own_messages(cgi_fake: pppp.FakeCamera) -> None:
    with cgi_fake.connect(timeout=5.0) as cam:
        reply = cam.cgi("get_status.cgi")
        assert reply["text"].startswith('var alias="pppp emulator";')
        events(cam)
        # The emulator's push hook: the camera then sends a message on its own.
        assert cam.cgi("pppp_push.cgi?message=motion")["result"] == 0
        e = cam.next_event(10.0)
        assert e is not None and e.kind == "message", e
        assert e.text == 'var message="motion";\r\n'
        assert e.message is not None and e.message["cmd"] == 0x6100
        assert e.message["fields"] == {"message": "motion"}


def test_name_mac_and_versions(fake: pppp.FakeCamera, cgi_fake: pppp.FakeCamera) -> None:
    with cgi_fake.connect(timeout=5.0) as cam:
        p = cam.params()
        assert p.name == "pppp emulator"
        assert p.mac == "00:b9:c0:00:a9:b3"
        assert p.firmware == "48.53.64.1 (pppp emulator)"
        assert p.app_version == "1.0.0.1 (pppp emulator)"
    with fake.connect(timeout=5.0) as cam:
        p = cam.params()
        assert (p.firmware, p.mcu_version, p.mac) == ("PPPP_FAKE_1.0 (pppp emulator)", "1.1.1.1", None)


def test_every_frame_has_its_size_and_header(cgi_fake: pppp.FakeCamera) -> None:
    with cgi_fake.connect(timeout=5.0) as cam:
        keys = p_frames = 0
        for n, f in enumerate(cam.video(timeout=10.0)):
            assert f.codec is pppp.Codec.H264
            h = f.av_header
            assert isinstance(h, pppp.AvHeader)
            assert (h.index, h.av_type, h.len) == (f.index, f.codec_byte, len(f))
            assert h.seconds * 1000 + h.millis == f.timestamp_ms
            keys += f.keyframe
            if keys:
                p_frames += not f.keyframe
                assert (f.width, f.height) == (160, 128), f"frame {n} ({f})"
            if n == 15:
                break
        assert keys and p_frames
        a = next(cam.audio(timeout=10.0))
        assert (a.width, a.height) == (None, None)


def test_mjpeg_frames_have_their_size(cam: pppp.Camera) -> None:
    f = next(cam.video(timeout=10.0))
    assert (f.width, f.height) == (160, 120)


def test_a_frame_knows_how_long_ago_it_arrived(cam: pppp.Camera) -> None:
    f = next(cam.video(timeout=10.0))
    first = f.age
    assert first is not None and 0.0 <= first < 10.0
    # Measured from a fixed arrival: it only grows.
    second = f.age
    assert second is not None and second >= first


def test_vendor_stream_ids(cgi_fake: pppp.FakeCamera) -> None:
    with cgi_fake.connect(timeout=5.0) as cam:
        with pytest.raises(pppp.InvalidArgument):
            cam.start_video(stream=16)
        with pytest.raises(ValueError):
            cam.start_video(substream=1)
        f = next(cam.video(stream=3, substream=1, timeout=10.0))
        assert f.codec is pppp.Codec.H264
        assert cgi_fake.stats().last_cgi == "livestream"


def test_a_search_can_be_cancelled(fake: pppp.FakeCamera) -> None:
    search = pppp.Search(timeout=60.0, to=[fake.lan_addr])
    dev = search.next_device(10.0)
    assert dev is not None and dev.uid == UID and dev.addr == fake.session_addr
    assert not search.is_finished
    search.cancel()
    assert search.is_finished
    # Over: the next call ends at once, whatever its timeout.
    assert search.next_device(3600.0) is None
    assert list(search) == []
    with pppp.Search(timeout=60.0, to=[fake.lan_addr]) as s:
        for d in s:
            assert d.uid == UID
            break
    assert s.is_finished


def test_aio_stream_ids_and_messages(cgi_fake: pppp.FakeCamera) -> None:
    async def main() -> None:
        async with await pppp.aio.connect(CGI_UID, host=cgi_fake.lan_addr, timeout=5.0) as cam:
            while cam.next_event_nowait() is not None:
                pass
            await cam.cgi("pppp_push.cgi?message=ring")
            e = await cam.next_event(10.0)
            assert e is not None and e.kind == "message" and e.text == 'var message="ring";\r\n'
            await cam.start_video(stream=1)
            f = await cam.next_frame(10.0)
            assert f is not None and f.codec is pppp.Codec.H264
            eventually(lambda: cgi_fake.stats().last_cgi == "livestream", "livestream.cgi")

    asyncio.run(main())
