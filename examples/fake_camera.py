#!/usr/bin/env python3
"""Run pppp's fake camera, to test any PPPP client (pppp's or another) without hardware.

    python examples/fake_camera.py --lan-port 32108 --loss 0.1   # until Ctrl-C
    python examples/fake_camera.py --self-test                   # start, drive it, stop

Point a client at it: `pppp stream --uid DGOA-123456-ABCDE --host 127.0.0.1:32108`.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import time
from typing import Optional

import pppp


def drive(fake: pppp.FakeCamera) -> None:
    """Use the fake camera the way a client would: commands, PTZ, video, audio, talk."""
    with fake.connect() as cam:
        print(f"connected: {cam!r}, PSK {cam.cipher}")
        print("params:", cam.params())
        cam.ptz(pppp.PtzDirection.RIGHT, duration=0.1)
        cam.ptz_center()
        frame = next(iter(cam.video(pppp.Resolution.QVGA)))
        print("first frame:", frame)
        chunk = next(iter(cam.audio()))
        print("first audio chunk:", chunk)
        tone = b"".join(
            struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / 8000)))
            for i in range(4000)
        )
        cam.talk(tone)  # half a second of 440 Hz


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uid", default="DGOA-123456-ABCDE")
    ap.add_argument("--bind", default="127.0.0.1", help="address to bind (0.0.0.0: the LAN)")
    ap.add_argument("--lan-port", type=int, default=0, help="LAN-search port (0: any free)")
    ap.add_argument("--psk", default="auto")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="6666")
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--handshake", default="echo", choices=[h.value for h in pppp.Handshake])
    ap.add_argument("--self-test", action="store_true", help="drive the camera, then stop")
    args = ap.parse_args(argv)

    try:
        fake = pppp.FakeCamera(
            args.uid,
            host=args.bind,
            lan_port=args.lan_port,
            psk=args.psk,
            user=args.user,
            password=args.password,
            fps=args.fps,
            loss=args.loss,
            handshake=args.handshake,
        )
    except (pppp.PpppError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    with fake:
        print(f"fake camera {fake.uid} on {fake.lan_addr} (session {fake.session_addr}), "
              f"PSK {fake.psk or 'none'}, login {fake.user}/****")
        if args.self_test:
            drive(fake)
            deadline = time.monotonic() + 10
            while fake.stats().talk_frames == 0 and time.monotonic() < deadline:
                time.sleep(0.05)  # the counters are published every 100 ms
            s = fake.stats()
            print("camera stats:", s)
            assert s.logins_ok == 1 and s.last_ptz == (1, 132) and s.talk_frames > 0
            print("self-test OK")
            return 0
        try:
            while True:
                time.sleep(2)
                s = fake.stats()
                print(f"sessions {s.active_sessions} (total {s.sessions}), commands "
                      f"{s.commands}, frames {s.video_frames}, retransmits {s.retransmits}")
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
