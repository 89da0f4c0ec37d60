"""Ctrl-C (SIGINT) interrupts every blocking call, which releases the GIL meanwhile."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from typing import Any, Callable

import pytest

import pppp

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "pthread_kill"), reason="needs POSIX signals"
)


def interrupt_when_blocked(call: Callable[[], Any]) -> BaseException:
    """Runs `call` on the main thread; once the main thread is inside it (its frame sits on
    the call's line), another thread sends SIGINT to the process. Returns what was raised."""
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main
    code = call.__code__
    stop = threading.Event()

    def sender() -> None:
        while not stop.is_set():
            frame = sys._current_frames().get(main)
            while frame is not None and frame.f_code is not code:
                frame = frame.f_back
            if frame is not None:
                # Inside the call (in native code, its Python frame stays on this line).
                stop.wait(0.2)
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.01)

    # Python raises KeyboardInterrupt only where it installed its handler: a process started
    # in the background by a non-interactive shell inherits SIGINT ignored, and Python keeps
    # that (CI runs so); the test is about what the handler sees, so it installs it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    t = threading.Thread(target=sender)
    t.start()
    try:
        call()
    except BaseException as e:  # noqa: BLE001 - returned to the test
        return e
    finally:
        stop.set()
        t.join()
        signal.signal(signal.SIGINT, previous)
    pytest.fail("the call returned instead of being interrupted")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_waiting_for_a_frame(cam: pppp.Camera) -> None:
    e = interrupt_when_blocked(lambda: cam.next_frame(timeout=None))
    assert isinstance(e, KeyboardInterrupt)
    # The session is still usable afterwards.
    assert cam.params().firmware


def test_iterating(cam: pppp.Camera) -> None:
    def loop() -> None:
        for _ in cam.audio(start=False):
            pass

    e = interrupt_when_blocked(loop)
    assert isinstance(e, KeyboardInterrupt)
    assert cam.is_open


def test_connecting() -> None:
    port = free_udp_port()  # nothing answers there: connect would wait 60 s
    e = interrupt_when_blocked(
        lambda: pppp.connect("DGOA-123456-ABCDE", host=f"127.0.0.1:{port}", timeout=60.0)
    )
    assert isinstance(e, KeyboardInterrupt)


def test_discovering() -> None:
    port = free_udp_port()
    e = interrupt_when_blocked(lambda: pppp.discover(timeout=60.0, to=[f"127.0.0.1:{port}"]))
    assert isinstance(e, KeyboardInterrupt)
