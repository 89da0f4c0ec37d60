"""The ``pppp`` console script installed by the package runs the Rust CLI."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

import pppp
from pppp import _cli


def script() -> str:
    # The console script sits next to the interpreter in a venv; fall back to PATH.
    here = pathlib.Path(sys.executable).parent / "pppp"
    found = str(here) if here.exists() else shutil.which("pppp")
    if found is None:
        pytest.fail("the pppp console script is not installed")
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([script(), *args], capture_output=True, text=True, timeout=60)


def test_version_and_help() -> None:
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"pppp {pppp.__version__}"
    r = run("--help")
    assert r.returncode == 0
    for sub in ("discover", "camera", "stream", "cmd", "demo"):
        assert sub in r.stdout


def test_discover_and_cmd_against_a_fake_camera(fake: pppp.FakeCamera) -> None:
    r = run("discover", "--to", fake.lan_addr, "--no-broadcast", "--timeout", "0.5", "--json")
    assert r.returncode == 0, r.stderr
    (dev,) = json.loads(r.stdout)
    assert dev["uid"] == fake.uid and dev["addr"] == fake.session_addr
    r = run("cmd", "--uid", fake.uid, "--host", fake.lan_addr, '{"pro":"get_parms","cmd":101}')
    assert r.returncode == 0, r.stderr
    assert "PPPP_FAKE_1.0" in r.stdout


def test_exit_codes() -> None:
    r = run("cmd", "--uid", "nope", "--host", "127.0.0.1:9", "{}")
    assert r.returncode == 2 and "UID" in r.stderr
    r = run("no-such-subcommand")
    assert r.returncode == 2


def test_python_dash_m_and_in_process() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pppp", "--version"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0 and r.stdout.startswith("pppp ")
    assert _cli.main(["--version"]) == 0
    assert _cli.main(["discover", "--timeout", "-1", "--no-broadcast"]) == 2
