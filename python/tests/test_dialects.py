"""The three command dialects and the media codecs, against fake cameras speaking them."""

from __future__ import annotations

import pytest

import pppp
from conftest import eventually


def test_vstarcam_cgi_camera() -> None:
    with pppp.FakeCamera("VSTC-123456-ABCDE", dialect="cgi", psk="none") as fake:
        assert fake.dialect is pppp.Dialect.CGI
        with fake.connect(timeout=5.0, dialect="cgi") as cam:
            assert cam.dialect is pppp.Dialect.CGI and cam.dialect_source == "configured"
            p = cam.params()
            assert p.firmware and p.raw
            reply = cam.cgi("get_status.cgi")
            assert reply["dialect"] == "cgi" and reply["fields"]
            eventually(lambda: fake.stats().last_cgi == "get_status", "the CGI arrives")
            cam.ptz_preset(3)
            eventually(lambda: fake.stats().preset_stored == 3, "preset stored")
            cam.ptz_goto_preset(3)
            eventually(lambda: fake.stats().preset_recalled == 3, "preset recalled")
            moves = fake.stats().ptz_commands
            cam.ptz(pppp.PtzDirection.UP_LEFT)  # CGI cameras move diagonally
            eventually(lambda: fake.stats().last_ptz_command == 90, "decoder_control 90: up-left")
            cam.ptz_stop()
            eventually(lambda: fake.stats().last_ptz_command == 1, "decoder_control 1: stop")
            assert fake.stats().ptz_commands == moves + 2
            assert next(iter(cam.video(timeout=10.0))).codec is pppp.Codec.MJPEG
            assert next(iter(cam.audio(timeout=10.0))).codec.is_audio


def test_ilnk_binary_camera() -> None:
    with pppp.FakeCamera("ABCD-123456-ABCDE", dialect="binary", psk="none") as fake:
        with fake.connect(timeout=5.0, dialect="binary") as cam:
            assert cam.dialect is pppp.Dialect.BINARY
            assert cam.params().firmware
            cam.toggle_ir()
            eventually(lambda: fake.stats().ir, "night vision toggled on")
            assert next(iter(cam.video(timeout=10.0))).data


def test_unknown_prefix_is_probed() -> None:
    with pppp.FakeCamera("ZZZZ-123456-ABCDE", dialect="cgi", psk="none") as fake:
        with fake.connect(timeout=5.0) as cam:
            assert cam.dialect is pppp.Dialect.CGI and cam.dialect_source == "probed"


def test_unknown_dialect_name() -> None:
    with pytest.raises(ValueError):
        pppp.connect("DGOA-123456-ABCDE", host="127.0.0.1:9", dialect="klingon")
    with pytest.raises(ValueError):
        pppp.FakeCamera(dialect="klingon")
    with pytest.raises(ValueError):
        pppp.connect("DGOA-123456-ABCDE", host="127.0.0.1:9", family="nope")


@pytest.mark.parametrize("codec", [pppp.Codec.H264, pppp.Codec.H265])
def test_h26x_video(codec: pppp.Codec) -> None:
    with pppp.FakeCamera(fps=25, width=160, height=128, video_codec=codec) as fake:
        with fake.connect(timeout=5.0) as cam:
            frames = []
            for f in cam.video(timeout=10.0):
                frames.append(f)
                if len(frames) == 12:
                    break
            assert all(f.codec is codec for f in frames)
            assert frames[0].keyframe, "a stream starts on a key frame"
            assert any(not f.keyframe for f in frames)
            assert all(f.data.startswith((b"\x00\x00\x00\x01", b"\x00\x00\x01")) for f in frames)


def test_alaw_audio() -> None:
    with pppp.FakeCamera(audio_codec="alaw") as fake, fake.connect(timeout=5.0) as cam:
        chunk = next(iter(cam.audio(timeout=10.0)))
        assert chunk.codec is pppp.Codec.ALAW and chunk.codec.is_audio


def test_fake_camera_rejects_codecs_of_the_wrong_kind() -> None:
    with pytest.raises(ValueError):
        pppp.FakeCamera(video_codec="adpcm")
    with pytest.raises(ValueError):
        pppp.FakeCamera(audio_codec="nope")
