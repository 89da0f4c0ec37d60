"""Video and audio iterators against the fake camera."""

from __future__ import annotations

import threading
import time

import pytest

import pppp
from conftest import eventually


def is_jpeg(b: bytes) -> bool:
    return b.startswith(b"\xff\xd8") and b.rstrip(b"\x00").endswith(b"\xff\xd9")


def test_video_frames(cam: pppp.Camera) -> None:
    frames = []
    for frame in cam.video():
        frames.append(frame)
        if len(frames) == 20:
            break
    for f in frames:
        assert isinstance(f, pppp.Frame)
        assert f.codec is pppp.Codec.MJPEG and f.codec_byte is not None
        assert isinstance(f.data, bytes) and is_jpeg(f.data)
        assert len(f) == len(f.data) == len(bytes(f))
        assert f.channel == 1 and f.keyframe
    indexes = [f.index for f in frames]
    assert indexes == sorted(indexes) and len(set(indexes)) == 20
    stamps = [f.timestamp_ms for f in frames]
    assert stamps == sorted(stamps)
    assert sum(f.missing_before for f in frames) + frames[0].index == indexes[-1] - 19
    assert "codec=mjpeg" in repr(frames[0])
    # Frames are immutable.
    with pytest.raises(AttributeError):
        frames[0].index = 5  # type: ignore[misc]
    s = cam.stats()
    assert s.video_frames >= 20 and s.media_bytes >= sum(len(f) for f in frames)


# The emulator's clock starts at this time (seconds since the epoch) when the camera starts,
# and its AV headers carry it to the millisecond.
EMULATOR_EPOCH = 1_700_000_000


def test_frame_timestamps_are_the_camera_clock() -> None:
    started = time.monotonic()
    with pppp.FakeCamera(fps=25, width=160, height=120) as fake, fake.connect(timeout=5.0) as cam:
        frames = []
        for f in cam.video():
            frames.append(f)
            if len(frames) == 20:
                break
        elapsed = time.monotonic() - started
    # Stamped by the camera while this test ran, in milliseconds and in seconds.
    for f in frames:
        assert EMULATOR_EPOCH * 1000 <= f.timestamp_ms <= (EMULATOR_EPOCH + elapsed) * 1000, f
        assert EMULATOR_EPOCH <= f.timestamp <= EMULATOR_EPOCH + elapsed, f
        assert isinstance(f.timestamp, float) and isinstance(f.timestamp_ms, int)
    # 20 frames at 25 fps span most of a second: the fractions of a second are kept.
    assert len({f.timestamp_ms % 1000 for f in frames}) > 1
    assert len({round(f.timestamp % 1, 3) for f in frames}) > 1


def test_frames_survive_a_lossy_link() -> None:
    with pppp.FakeCamera(fps=25, width=160, height=120, loss=0.1, dup=0.05, seed=7) as fake:
        with fake.connect(timeout=10.0) as cam:
            n = 0
            for f in cam.video(timeout=10.0):
                assert is_jpeg(f.data)
                n += 1
                if n == 15:
                    break
            assert cam.stats().retransmits > 0 or fake.stats().retransmits > 0


def test_audio_chunks(cam: pppp.Camera) -> None:
    chunks = []
    for chunk in cam.audio():
        chunks.append(chunk)
        if len(chunks) == 5:
            break
    for c in chunks:
        assert c.codec is pppp.Codec.ADPCM and c.codec.is_audio
        assert c.channel == 2 and len(c.data) > 0
    cam.stop_audio()


def test_iterator_ends_when_the_session_is_closed(cam: pppp.Camera) -> None:
    n = 0
    for _ in cam.video():
        n += 1
        if n == 3:
            cam.close()
    # The loop ended by itself (frames queued before the close were still delivered).
    assert n >= 3
    assert not cam.is_open
    with pytest.raises(StopIteration):
        next(cam.video(start=False))


def test_iterator_blocked_in_another_thread_ends_on_close(cam: pppp.Camera) -> None:
    got: list[int] = []
    done = threading.Event()
    started = threading.Event()

    def consume() -> None:
        started.set()
        for chunk in cam.audio(start=False):  # audio never started: blocks
            got.append(chunk.index)
        done.set()

    t = threading.Thread(target=consume)
    t.start()
    started.wait()
    # The consumer is inside the native wait before the close (not about to start it).
    eventually(lambda: cam.session.blocked_readers == 1, "the consumer blocks")
    cam.close()
    t.join(timeout=60)
    assert not t.is_alive(), "the close did not end the blocked iterator"
    assert done.is_set() and got == []
    assert cam.session.blocked_readers == 0


def test_iterator_timeout(cam: pppp.Camera) -> None:
    it = cam.video(start=False, timeout=0.3)
    with pytest.raises(pppp.Timeout) as e:
        next(it)
    assert isinstance(e.value, TimeoutError)
    assert e.value.after == pytest.approx(0.3)
    assert "video frame" in str(e.value)
    assert cam.next_frame(timeout=0.1) is None
    assert cam.next_audio(timeout=0) is None


def test_stop_and_restart_video(cam: pppp.Camera) -> None:
    assert next(iter(cam.video(pppp.Resolution.QVGA))).codec is pppp.Codec.MJPEG
    cam.stop_video()
    cam.start_video()
    assert cam.next_frame(timeout=10.0) is not None


def test_slow_consumer_keeps_the_newest_frames(fake: pppp.FakeCamera) -> None:
    with fake.connect(timeout=5.0, video_queue=2) as cam:
        cam.start_video()
        eventually(lambda: cam.stats().video_dropped > 0, "the queue overflows")
        a = cam.next_frame(timeout=5.0)
        b = cam.next_frame(timeout=5.0)
        assert a is not None and b is not None and b.index > a.index


def test_the_fake_camera_stopping_ends_the_stream() -> None:
    with pppp.FakeCamera(fps=25, width=160, height=120) as fake:
        with fake.connect(timeout=5.0, dead_after=1.0) as cam:
            it = cam.video()
            next(it)
            fake.stop()
            for _ in it:
                pass
            assert cam.close_reason is pppp.CloseReason.PEER_TIMEOUT
