"""Creating and closing many sessions leaks no memory, threads or Python objects."""

from __future__ import annotations

import gc
import sys

import pytest

import pppp
from conftest import eventually

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/self"
)


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 // 1024


def threads() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads line")


def cycle(fake: pppp.FakeCamera, i: int) -> None:
    with fake.connect(timeout=5.0) as cam:
        if i % 10 == 0:
            assert cam.params().firmware
            assert next(iter(cam.video())).data


def test_a_thousand_sessions(fake: pppp.FakeCamera) -> None:
    for i in range(100):  # warm up allocator pools and caches
        cycle(fake, i)
    gc.collect()
    base_threads = threads()
    base_rss = rss_kib()
    base_objects = len(gc.get_objects())
    for i in range(1000):
        cycle(fake, i)
    gc.collect()
    eventually(lambda: threads() <= base_threads, "helper threads end")
    grown = rss_kib() - base_rss
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB over 1000 sessions"
    objects = len(gc.get_objects()) - base_objects
    assert objects < 1000, f"{objects} more Python objects after 1000 sessions"
    eventually(lambda: fake.stats().active_sessions == 0, "the camera holds no session")


def test_sessions_dropped_without_close_are_closed(fake: pppp.FakeCamera) -> None:
    gc.collect()
    base_threads = threads()
    for _ in range(50):
        cam = fake.connect(timeout=5.0)
        assert cam.is_open
        del cam  # closed in the background, never blocking the interpreter
    gc.collect()
    eventually(lambda: fake.stats().active_sessions == 0, "every dropped session closes")
    eventually(lambda: threads() <= base_threads, "their threads end")


def test_frames_are_freed() -> None:
    with pppp.FakeCamera(fps=100, width=320, height=240) as fake, fake.connect() as cam:
        it = cam.video()
        for _ in range(20):
            next(it)
        gc.collect()
        base = rss_kib()
        total = 0
        for _ in range(300):
            f = next(it)
            total += len(f.data)
        del f
        gc.collect()
        assert total > 300 * 3000
        grown = rss_kib() - base
        assert grown < 8 * 1024, f"RSS grew by {grown} KiB over {total} bytes of frames"
