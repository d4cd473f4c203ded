"""Fixtures for real media: FFmpeg, a test clip made once per session, looped UDP feeders.

- ``ffmpeg_path``: the FFmpeg binary (the imageio-ffmpeg wheel's unless configured).
- ``test_clip``: a 640x360 25 fps H.264 + AAC MPEG-TS clip with a 2 s GOP,
  generated once per session with lavfi (``long_test_clip``: 60 s, for tests
  that must not cross the loop seam, where segments carry decode errors).
- ``feeders``: ``await feeders.start(port=None, clip=None, rate=1.0) -> Feeder``
  loops a clip at ``rate`` x real time to ``udp://127.0.0.1:<port>``; the test
  may ``stop()``, ``start()`` or ``restart(rate=…)`` it. Every feeder is killed
  at teardown.
- ``free_udp_port()``: a UDP port nobody uses right now, outside the ephemeral range, never
  one this process handed out before (``bench.ports.free_udp_ports``); ``free_udp_ports(n)``:
  ``n`` such ports; ``free_udp_port_block(n)``: the first of ``n`` consecutive ones (the demo
  channels' ``demo_port_base``). Tests take UDP ports from these only.
- ``--update-golden``: rewrite ``tests/unit/media/golden/*.json`` instead of comparing.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bench import ports

from streamfleet.config import Settings
from streamfleet.engine.process import Spawner
from streamfleet.engine.test_sources import Feeder, ensure_clip
from streamfleet.media.test_pattern_args import PatternSpec, udp_feed_url

TEST_PATTERN = PatternSpec("testsrc2", 640, 360, fps=25, seconds=20.0, gop_s=2.0, video_kbps=600)
LONG_TEST_PATTERN = PatternSpec(
    "testsrc2", 320, 180, fps=25, seconds=60.0, gop_s=2.0, video_kbps=300
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden FFmpeg argument lists in tests/unit/media/golden/",
    )


_GIVEN: set[int] = set()
"""UDP ports this process handed out already: a feeder's port is free until the channel's
FFmpeg binds it, so picking at random again could give two feeders one port (20 picks out
of ~8 700 collide about once in 45 runs: two streams on one port, a channel never online)."""


def free_udp_port() -> int:
    """Below the ephemeral range, where no FFmpeg sender's source port can take it, and never
    one this process handed out before."""
    for _ in range(1000):
        port = ports.free_udp_ports(1)[0]
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port
    _GIVEN.clear()  # the range is used up: start over (earlier tests' ports are long closed)
    return free_udp_port()


def free_udp_ports(count: int) -> list[int]:
    """``count`` distinct ports as ``free_udp_port`` picks them."""
    return [free_udp_port() for _ in range(count)]


def free_udp_port_block(count: int) -> int:
    """The first of ``count`` consecutive ports (``base`` … ``base + count - 1``), each free
    now, below the ephemeral range, and none handed out before (nor handed out again)."""
    for _ in range(1000):
        base = ports.free_udp_ports(1)[0]
        block = range(base, base + count)
        if block[-1] >= ports.ephemeral_low() or _GIVEN.intersection(block):
            continue
        if all(_udp_port_is_free(port) for port in block[1:]):
            _GIVEN.update(block)
            return base
    _GIVEN.clear()  # as in free_udp_port
    return free_udp_port_block(count)


def _udp_port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="session")
def ffmpeg_path() -> str:
    return Settings().resolved_ffmpeg_path()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
async def test_clip(ffmpeg_path: str, media_dir: Path) -> Path:
    return await ensure_clip(Spawner(), ffmpeg_path, TEST_PATTERN, media_dir)


@pytest.fixture(scope="session")
async def long_test_clip(ffmpeg_path: str, media_dir: Path) -> Path:
    return await ensure_clip(Spawner(), ffmpeg_path, LONG_TEST_PATTERN, media_dir)


class Feeders:
    """Starts looped UDP feeders for one test and kills them all at its end."""

    def __init__(self, ffmpeg: str, clip: Path) -> None:
        self.ffmpeg = ffmpeg
        self.clip = clip
        self.spawner = Spawner()
        self.started: list[Feeder] = []

    async def start(
        self, port: int | None = None, clip: Path | None = None, rate: float = 1.0
    ) -> Feeder:
        url = udp_feed_url(port if port is not None else free_udp_port())
        feeder = Feeder(self.spawner, self.ffmpeg, clip or self.clip, url, rate=rate)
        self.started.append(feeder)
        await feeder.start()
        return feeder

    async def close(self) -> None:
        for feeder in self.started:
            feeder.kill_now()
            await feeder.stop()


@pytest.fixture
async def feeders(ffmpeg_path: str, test_clip: Path) -> AsyncIterator[Feeders]:
    group = Feeders(ffmpeg_path, test_clip)
    try:
        yield group
    finally:
        await group.close()


def channel_url(feeder: Feeder) -> str:
    """The URL a channel pulls a feeder's stream from (the feed URL without its options)."""
    return feeder.url.split("?", 1)[0]
