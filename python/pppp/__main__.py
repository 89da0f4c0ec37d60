"""``python -m pppp``: the pppp command-line tool."""

from ._cli import main

main()
