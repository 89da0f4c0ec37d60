"""pppp.discover() against fake cameras on loopback (unicast only)."""

from __future__ import annotations

import socket

import pytest

import pppp
from conftest import UID


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_finds_the_camera(fake: pppp.FakeCamera) -> None:
    devices = pppp.discover(timeout=0.5, to=[fake.lan_addr])
    assert len(devices) == 1, devices
    d = devices[0]
    assert isinstance(d, pppp.Device)
    assert d.uid == UID
    # The answer comes from the camera's session socket, under the PSK of its UID prefix.
    assert d.addr == fake.session_addr
    assert d.cipher == fake.psk == "camera"
    assert d.psk == "camera"


def test_to_may_be_a_single_address(fake: pppp.FakeCamera) -> None:
    assert [d.uid for d in pppp.discover(0.5, fake.lan_addr)] == [UID]


def test_finds_several_cameras_with_different_psks() -> None:
    with pppp.FakeCamera("DGOA-111111-AAAAA", psk="none") as a, pppp.FakeCamera(
        "DGOB-222222-BBBBB", psk="SHIX"
    ) as b:
        devices = pppp.discover(timeout=0.8, to=[a.lan_addr, b.lan_addr])
        found = {d.uid: d.cipher for d in devices}
        assert found == {"DGOA-111111-AAAAA": "plain", "DGOB-222222-BBBBB": "SHIX"}
        # A discovered device's psk connects to it.
        for d in devices:
            cam = a if d.uid == a.uid else b
            with pppp.connect(d.uid, host=cam.lan_addr, psk=d.psk, timeout=5.0) as c:
                assert c.cipher == d.cipher


def test_a_fixed_psk_only_finds_cameras_using_it(fake: pppp.FakeCamera) -> None:
    assert pppp.discover(0.5, [fake.lan_addr], psk="SHIX") == []
    assert [d.uid for d in pppp.discover(0.5, [fake.lan_addr], psk="camera")] == [UID]


def test_nobody_there_is_an_empty_list() -> None:
    assert pppp.discover(timeout=0.3, to=[f"127.0.0.1:{free_udp_port()}"]) == []


def test_the_fake_cameras_own_helper(fake: pppp.FakeCamera) -> None:
    assert [d.uid for d in fake.discover(timeout=0.5)] == [UID]


def test_bad_arguments() -> None:
    with pytest.raises(pppp.InvalidAddress) as e:
        pppp.discover(0.1, ["127.0.0.1:notaport"])
    assert isinstance(e.value, ValueError)
    assert e.value.address == "127.0.0.1:notaport"
    assert "port" in str(e.value)
    with pytest.raises(pppp.UnknownPsk, match="nosuchpsk"):
        pppp.discover(0.1, ["127.0.0.1"], psk="nosuchpsk")
    with pytest.raises(pppp.InvalidArgument, match="timeout"):
        pppp.discover(-1.0, ["127.0.0.1"])
    with pytest.raises(ValueError):
        pppp.discover(float("nan"), ["127.0.0.1"])
    with pytest.raises(pppp.InvalidArgument, match="nothing to search"):
        pppp.discover(0.1, [], broadcast=False)
    with pytest.raises(ValueError, match="port"):
        pppp.discover(0.1, ["127.0.0.1"], port=70000)
    with pytest.raises(TypeError):
        pppp.discover(0.1, [1])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        pppp.discover("soon")  # type: ignore[arg-type]
    with pytest.raises(pppp.InvalidAddress):
        pppp.discover(0.1, ["127.0.0.1"], bind="nonsense:x")
