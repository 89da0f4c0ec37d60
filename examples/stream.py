#!/usr/bin/env python3
"""Connect to a camera, print its parameters, and save video frames as JPEG files.

    python examples/stream.py --uid DGOA-123456-ABCDE --host 192.168.1.50 --frames 50 --out frames/
    python examples/stream.py --self-test           # against a fake camera on loopback

Ctrl-C stops it cleanly at any point (even while waiting for the camera).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from typing import Optional

import pppp


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uid")
    ap.add_argument("--host", help="the camera's address (default: broadcast search)")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="6666")
    ap.add_argument("--psk", default="auto")
    ap.add_argument("--frames", type=int, default=30, help="frames to save")
    ap.add_argument("--out", help="directory for frame-NNNNNN.jpg (default: do not save)")
    ap.add_argument("--self-test", action="store_true", help="stream from a fake camera")
    args = ap.parse_args(argv)
    if not args.self_test and not args.uid:
        ap.error("--uid is required (or --self-test)")

    with contextlib.ExitStack() as stack:
        uid, host, out = args.uid, args.host, args.out
        if args.self_test:
            fake = stack.enter_context(pppp.FakeCamera(fps=25, user="admin", password="6666"))
            uid, host = fake.uid, fake.lan_addr
            out = out or stack.enter_context(tempfile.TemporaryDirectory())
            args.frames = min(args.frames, 10)
        try:
            cam = stack.enter_context(
                pppp.connect(uid, host, user=args.user, password=args.password, psk=args.psk)
            )
        except pppp.WrongPassword:
            print("error: the camera refused the user or password", file=sys.stderr)
            return 4
        except pppp.Offline as e:
            print(f"error: {e}", file=sys.stderr)
            return 3
        except pppp.PpppError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2 if isinstance(e, ValueError) else 1
        params = cam.params()
        print(f"connected to {cam.uid} at {cam.peer} (PSK {cam.cipher}), firmware {params.firmware!r}")
        if out:
            os.makedirs(out, exist_ok=True)
        started = time.monotonic()
        saved = 0
        try:
            for frame in cam.video(timeout=10.0):
                print(
                    f"frame #{frame.index:<6} {frame.codec.value:<5} {len(frame.data):>7} bytes "
                    f"t={frame.timestamp:.3f}"
                    + (f" ({frame.missing_before} missing before)" if frame.missing_before else "")
                )
                if out:
                    ext = "jpg" if frame.codec is pppp.Codec.MJPEG else frame.codec.value
                    with open(os.path.join(out, f"frame-{frame.index:06}.{ext}"), "wb") as f:
                        f.write(frame.data)
                saved += 1
                if saved >= args.frames:
                    break
        except KeyboardInterrupt:
            print("interrupted")
        except pppp.Timeout as e:
            print(f"error: {e}", file=sys.stderr)
            return 5
        took = time.monotonic() - started
        s = cam.stats()
        print(
            f"{saved} frames in {took:.1f} s; retransmits {s.retransmits}, "
            f"missing {s.missing_frames}, dropped {s.video_dropped}"
        )
        if args.self_test:
            assert saved == args.frames
            files = sorted(os.listdir(out))
            assert len(files) == saved
            for name in files:
                with open(os.path.join(out, name), "rb") as f:
                    assert f.read(2) == b"\xff\xd8", name
            print("self-test OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
