#!/usr/bin/env python3
"""Find PPPP cameras on the LAN and print them.

    python examples/discover.py                     # broadcast on every interface
    python examples/discover.py --to 192.168.1.50   # ask one address (repeatable)
    python examples/discover.py --self-test         # against a fake camera on loopback
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Optional

import pppp


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--to", action="append", default=[], metavar="HOST[:PORT]")
    ap.add_argument("--timeout", type=float, default=2.0, help="seconds to listen")
    ap.add_argument("--psk", default="auto")
    ap.add_argument("--self-test", action="store_true", help="search a fake camera")
    args = ap.parse_args(argv)

    with contextlib.ExitStack() as stack:
        targets = args.to
        if args.self_test:
            fake = stack.enter_context(pppp.FakeCamera("DGOA-123456-ABCDE", psk="SHIX"))
            targets = [fake.lan_addr]
            print(f"fake camera {fake.uid} answers the LAN search on {fake.lan_addr}")
        try:
            devices = pppp.discover(args.timeout, targets or None, psk=args.psk)
        except pppp.PpppError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2 if isinstance(e, ValueError) else 1
        if not devices:
            print("no camera answered")
            return 1 if args.self_test else 0
        print(f"{'UID':<24} {'ADDRESS':<22} PSK")
        for d in devices:
            print(f"{d.uid:<24} {d.addr:<22} {d.cipher}")
        if args.self_test:
            assert [(d.uid, d.cipher) for d in devices] == [("DGOA-123456-ABCDE", "SHIX")]
            print("self-test OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
