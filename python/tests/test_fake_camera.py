"""pppp.FakeCamera: configuration, variants and argument checking."""

from __future__ import annotations

from typing import Any

import pytest

import pppp


def test_properties_and_lifecycle() -> None:
    fake = pppp.FakeCamera("DGOK-654321-ZYXWV", psk="none", user="root", password="pw")
    try:
        assert fake.uid == "DGOK-654321-ZYXWV"
        assert fake.psk is None
        assert (fake.user, fake.password) == ("root", "pw")
        assert fake.lan_addr.startswith("127.0.0.1:") and fake.host == fake.lan_addr
        assert fake.session_addr.startswith("127.0.0.1:")
        assert fake.session_addr != fake.lan_addr
        assert fake.is_running
        assert "DGOK-654321-ZYXWV" in repr(fake)
        assert fake.stats() == pppp.CameraStats()
        with fake.connect(timeout=5.0) as cam:  # its credentials are used
            assert cam.cipher == "plain"
    finally:
        fake.stop()
    assert not fake.is_running and "stopped" in repr(fake)
    fake.stop()  # idempotent
    with pytest.raises(pppp.Offline):
        pppp.connect(fake.uid, host=fake.lan_addr, timeout=0.3)


@pytest.mark.parametrize("long_rdy", [False, True])
@pytest.mark.parametrize("handshake", list(pppp.Handshake))
def test_handshake_variants(handshake: pppp.Handshake, long_rdy: bool) -> None:
    with pppp.FakeCamera(handshake=handshake, long_rdy=long_rdy) as fake:
        with fake.connect(timeout=5.0) as cam:
            assert cam.params().firmware
        # The camera did what the variant says (one ignoring it would connect just as well).
        s = fake.stats()
        assert s.sessions == 1 and s.searches >= 1 and s.rdy_sent > 0, s
        rdy_first = s.searches if handshake is pppp.Handshake.RDY_FIRST else 0
        assert s.searches_answered_rdy == rdy_first, s
        closes = 1 if handshake is pppp.Handshake.CLOSE_THEN_RDY else 0
        assert s.handshake_closes == closes, s
        assert s.long_rdy_sent == (s.rdy_sent if long_rdy else 0), s


def test_answering_from_the_lan_port() -> None:
    with pppp.FakeCamera(answer_from_lan_port=True) as fake:
        assert fake.session_addr == fake.lan_addr
        with fake.connect(timeout=5.0) as cam:
            assert cam.peer == fake.lan_addr


def test_custom_psk() -> None:
    with pppp.FakeCamera(psk="custom:my own secret") as fake:
        assert fake.psk == "my own secret"
        (dev,) = fake.discover(timeout=0.5, psk="custom:my own secret")
        assert dev.cipher == "my own secret" and dev.psk == "custom:my own secret"
        with fake.connect(psk=dev.psk, timeout=5.0) as cam:
            assert cam.cipher == "my own secret"


def test_impairments_and_latency() -> None:
    with pppp.FakeCamera(loss=0.2, reorder=0.2, dup=0.2, latency=0.01, seed=3) as fake:
        with fake.connect(timeout=10.0) as cam:
            for _ in range(3):
                assert cam.params().firmware
        # The link did impair the traffic: a camera ignoring the options would pass the above.
        s = fake.stats()
        assert s.link_offered >= s.datagrams_sent, s
        assert s.link_lost > 0 and s.link_duplicated > 0 and s.link_reordered > 0, s
        assert s.link_delayed == s.link_offered - s.link_lost, "10 ms latency delays every one"


@pytest.mark.parametrize(
    "option, counter",
    [("loss", "link_lost"), ("dup", "link_duplicated"), ("reorder", "link_reordered")],
)
def test_each_impairment_alone(option: str, counter: str) -> None:
    kwargs: dict[str, Any] = {option: 0.3, "seed": 5}
    with pppp.FakeCamera(**kwargs) as fake:
        with fake.connect(timeout=10.0) as cam:
            assert cam.params().firmware
        s = fake.stats()
        link = {k: v for k, v in vars(s).items() if k.startswith("link_")}
        assert s.link_offered > 0 and getattr(s, counter) > 0, link
        others = {"link_lost", "link_duplicated", "link_reordered"} - {counter}
        assert all(link[k] == 0 for k in others), link
        assert s.link_delayed == (s.link_reordered if option == "reorder" else 0), link


def test_no_impairment_means_no_link() -> None:
    with pppp.FakeCamera() as fake:
        with fake.connect(timeout=5.0) as cam:
            assert cam.params().firmware
        s = fake.stats()
        assert s.datagrams_sent > 0 and s.link_offered == 0, s


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"uid": "nope"}, pppp.InvalidUid),
        ({"host": "localhost"}, pppp.InvalidAddress),
        ({"psk": "nosuchpsk"}, pppp.UnknownPsk),
        ({"handshake": "wave"}, ValueError),
        ({"fps": 0}, ValueError),
        ({"fps": 1000}, ValueError),
        ({"width": 8}, ValueError),
        ({"height": 100000}, ValueError),
        ({"lan_port": 70000}, ValueError),
        ({"lan_port": -1}, ValueError),
        ({"loss": 1.5}, ValueError),
        ({"dup": -0.1}, ValueError),
        ({"latency": -1.0}, ValueError),
        ({"seed": -1}, ValueError),
        ({"fps": "ten"}, TypeError),
        ({"loss": "a lot"}, TypeError),
        ({"uid": 5}, TypeError),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], exc: type[BaseException]) -> None:
    with pytest.raises(exc):
        pppp.FakeCamera(**kwargs)


def test_port_in_use_is_a_network_error() -> None:
    with pppp.FakeCamera() as a:
        port = int(a.lan_addr.rsplit(":", 1)[1])
        with pytest.raises(pppp.NetworkError) as e:
            pppp.FakeCamera(lan_port=port)
        assert isinstance(e.value, OSError)
        assert e.value.errno is not None
