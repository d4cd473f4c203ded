"""A channel on a local UDP test source: online, a playlist that advances, segments that decode.

(Restarts and the public playlist: ``test_public_playlist.py``.)"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Awaitable, Callable
from pathlib import Path

import av

from streamfleet.domain.status import Status
from streamfleet.events.envelope import EventType
from streamfleet.media.playlist_summary import PlaylistSummary, summarize
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]


def read_playlist(path: Path) -> PlaylistSummary | None:
    try:
        return summarize(path.read_text())
    except OSError:
        return None


def last_number(summary: PlaylistSummary) -> int:
    return summary.media_sequence + len(summary.segments) - 1


def video_frames(segment: Path) -> int:
    with av.open(str(segment)) as container:
        return sum(1 for _ in container.decode(video=0))


async def test_a_udp_channel_goes_online_and_its_playlist_advances_with_segments_that_decode(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    feeder = await feeders.start()
    engine = await engine_factory([udp_channel(1, channel_url(feeder))])
    await engine.wait_status(1, Status.ONLINE, 15)
    playlist = engine.settings.hls_dir.resolve() / "ch1" / "index.m3u8"

    first = await wait_until(
        lambda: (s := read_playlist(playlist)) is not None and s.segments and s, 15, "a segment"
    )
    later = await wait_until(
        lambda: (
            (s := read_playlist(playlist)) is not None
            and last_number(s) >= last_number(first) + 2
            and s
        ),
        15,
        "the playlist to advance by two segments",
    )
    assert later.target_duration_s is not None
    assert later.target_duration_s <= 3
    for name in later.segments:
        assert video_frames(playlist.parent / name) > 0, f"{name} does not decode"
    assert not any(
        p.name.endswith(".tmp") for p in playlist.parent.iterdir() if p.name in later.segments
    )


async def test_metrics_are_published_at_most_once_a_second_with_every_field(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    feeder = await feeders.start()
    engine = await engine_factory([udp_channel(1, channel_url(feeder))])
    await engine.wait_status(1, Status.ONLINE, 15)

    def metrics() -> list[tuple[float, dict[str, object]]]:
        return [
            (e.ts, e.data)
            for _, e in engine.envelopes
            if e.type is EventType.METRICS and e.channel == "ch1"
        ]

    samples = await wait_until(
        lambda: (m := metrics()) and any(d.get("bitrate_kbps") for _, d in m) and len(m) >= 4 and m,
        20,
        "four metrics messages, one with a bitrate",
    )
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(samples)]
    assert min(gaps) >= 0.9
    assert set(samples[-1][1]) == {
        "fps",
        "frames",
        "drop_frames",
        "dup_frames",
        "speed",
        "out_time_s",
        "bitrate_kbps",
        "last_segment_age_s",
    }
    bitrate = next(d["bitrate_kbps"] for _, d in reversed(samples) if d.get("bitrate_kbps"))
    assert 200 < float(bitrate) < 3000  # the clip is ~700 kb/s
    # Measured over the last second, not FFmpeg's whole-run average: a 25 fps source reads ~25.
    # The median of the samples: one window on a loaded machine may catch a burst or a gap.
    fps = [f for _, d in samples if isinstance(f := d.get("fps"), int | float)]
    assert 15 < statistics.median(fps) < 35
    state = engine.supervisor.state(1)
    assert state is not None
    assert state.metrics["out_time_s"]
