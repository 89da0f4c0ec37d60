"""The ``pppp`` console script: the Rust command-line tool, in this Python process."""

from __future__ import annotations

import signal
import sys
from typing import Optional, Sequence

from . import _native

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs ``pppp`` with `argv` (default: the process's arguments) and exits with its code
    when called as the console script. Returns the exit code when given `argv`."""
    args = ["pppp", *(sys.argv[1:] if argv is None else argv)]
    sys.stdout.flush()
    sys.stderr.flush()
    # Behave like the native binary: Ctrl-C ends the process unless the command installs
    # its own handler (those that run until interrupted do, and exit cleanly).
    if argv is None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = _native.cli_main(args)
    if argv is None:
        sys.exit(code)
    return code
