"""examples/*.py run as smoke tests, each against its own fake camera (``--self-test``)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def test_the_examples_are_there() -> None:
    names = {p.name for p in SCRIPTS}
    assert {"discover.py", "stream.py", "fake_camera.py", "async_stream.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_self_test(script: pathlib.Path) -> None:
    r = subprocess.run(
        [sys.executable, str(script), "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "self-test OK" in r.stdout


def test_example_errors_are_one_readable_line() -> None:
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "stream.py"), "--uid", "not-a-uid", "--host", "127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stderr.startswith("error: invalid UID") and r.stderr.count("\n") == 1
