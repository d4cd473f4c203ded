"""The argument lists run for real: transcode profiles and the protocols we can serve here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from streamfleet.domain.status import Status
from streamfleet.engine.process import Spawner
from streamfleet.engine.test_sources import Feeder
from streamfleet.media.playlist_summary import summarize
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url, free_udp_port
from tests.support.server import free_port
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]


def segments_in(playlist: Path) -> int:
    try:
        summary = summarize(playlist.read_text())
    except OSError:
        return 0
    return len(summary.segments) if summary is not None else 0


async def test_the_480p_profile_transcodes_to_a_playlist_at_the_usual_entry_point(
    feeders: Feeders, engine_factory: EngineFactory, long_test_clip: Path
) -> None:
    feeder = await feeders.start(clip=long_test_clip)
    engine = await engine_factory([udp_channel(1, channel_url(feeder), profile="480p")])
    await engine.wait_status(1, Status.ONLINE, 20)
    playlist = engine.settings.hls_dir.resolve() / "ch1" / "index.m3u8"
    await wait_until(lambda: segments_in(playlist) >= 1, 30, "a 480p segment")


async def test_the_abr_ladder_writes_a_master_playlist_with_three_variants(
    feeders: Feeders, engine_factory: EngineFactory, long_test_clip: Path
) -> None:
    feeder = await feeders.start(clip=long_test_clip)
    engine = await engine_factory([udp_channel(1, channel_url(feeder), profile="abr-3")])
    await engine.wait_status(1, Status.ONLINE, 30)
    out = engine.settings.hls_dir.resolve() / "ch1"
    for name in ("1080p", "720p", "480p"):
        await wait_until(
            lambda n=name: segments_in(out / n / "index.m3u8") >= 1, 60, f"a {name} segment"
        )
    master = await wait_until(
        lambda: (out / "index.m3u8").is_file() and (out / "index.m3u8").read_text(),
        30,
        "the master",
    )
    assert master.count("#EXT-X-STREAM-INF") == 3
    for name in ("1080p", "720p", "480p"):
        assert f"{name}/index.m3u8" in master
    assert "RESOLUTION=854x480" in master


@pytest.mark.parametrize("protocol", ["rtp", "srt", "rtmp"])
async def test_a_source_pulled_over_each_protocol_goes_online(
    protocol: str, engine_factory: EngineFactory, ffmpeg_path: str, test_clip: Path
) -> None:
    if protocol == "rtp":
        port = free_udp_port()
        feed_url, muxer, listen = f"rtp://127.0.0.1:{port}", "rtp_mpegts", False
        url = feed_url
    elif protocol == "srt":
        port = free_udp_port()
        feed_url, muxer, listen = f"srt://127.0.0.1:{port}?mode=listener", "mpegts", False
        url = f"srt://127.0.0.1:{port}?mode=caller"
    else:
        port = free_port()
        feed_url, muxer, listen = f"rtmp://127.0.0.1:{port}/live/demo", "flv", True
        url = feed_url
    feeder = Feeder(Spawner(), ffmpeg_path, test_clip, feed_url, muxer=muxer, listen=listen)
    await feeder.start()
    try:
        await wait_until(lambda: feeder.running, 5, "the feeder")
        engine = await engine_factory([udp_channel(1, url)])
        await engine.wait_status(1, Status.ONLINE, 30)
    finally:
        await feeder.stop()
