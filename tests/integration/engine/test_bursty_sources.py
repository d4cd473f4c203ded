"""Sources that deliver in bursts are not dead sources: HLS served over HTTP, MPEG-TS over
HTTP in 1.5 s bursts. Each stays online without a status change while it plays, and is
offline within a bound once it stops."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from streamfleet.domain.channel import Channel
from streamfleet.domain.status import Status
from streamfleet.media.playlist_summary import summarize
from streamfleet.media.stall_deadline import BURST_CAP_S
from tests.integration.engine.conftest import EngineHarness
from tests.support.hls_source import live_hls
from tests.support.http_source import bursty_ts, serve_http
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
SEGMENT_S = 2.0
"""The source's segment length; FFmpeg writes ``#EXT-X-TARGETDURATION:2``."""
ONLINE_FOR_S = 60.0
BURSTY_FOR_S = 40.0
SLACK_S = 2.0
"""What the issue allows beyond the target duration between a source stopping and offline."""


def http_channel(url: str) -> Channel:
    return Channel(id=1, slug="ch1", name="Channel 1", input_url=url)


def output_position(engine: EngineHarness) -> tuple[int, int]:
    """(media sequence, segments) of the channel's output playlist; (-1, 0) before it exists."""
    try:
        text = (engine.settings.hls_dir.resolve() / "ch1" / "index.m3u8").read_text()
    except OSError:
        return (-1, 0)
    summary = summarize(text)
    return (summary.media_sequence, len(summary.segments)) if summary else (-1, 0)


def newest_segment(engine: EngineHarness) -> int:
    sequence, count = output_position(engine)
    return sequence + count


async def stays_online(engine: EngineHarness, seconds: float) -> list[Status | None]:
    """Samples the channel's status every poll for ``seconds``; returns those not online."""
    seen: list[Status | None] = []

    def watched_long_enough() -> bool:
        status = engine.status(1)
        if status is not Status.ONLINE:
            seen.append(status)
        return time.monotonic() >= until

    until = time.monotonic() + seconds
    await wait_until(watched_long_enough, seconds + 10, "the observation window")
    return seen


async def test_an_hls_source_of_2s_segments_stays_online_and_is_offline_soon_after_it_stops(
    engine_factory: EngineFactory, tmp_path: Path
) -> None:
    source_dir = tmp_path / "source"
    playlist = source_dir / "index.m3u8"
    async with (
        live_hls(source_dir, segment_s=SEGMENT_S, list_size=6) as writer,
        serve_http(source_dir) as server,
    ):
        await wait_until(
            lambda: (
                (s := summarize(playlist.read_text()) if playlist.is_file() else None)
                and len(s.segments) >= 2
            ),
            30,
            "the source playlist with two segments",
        )
        engine = await engine_factory([http_channel(f"{server.url}/index.m3u8")])
        await engine.wait_status(1, Status.ONLINE, 30)
        first = newest_segment(engine)

        not_online = await stays_online(engine, ONLINE_FOR_S)

        assert not_online == [], [(c.to_status, c.reason) for c in engine.transitions(1)]
        assert [c.to_status for c in engine.transitions(1)] == [Status.STARTING, Status.ONLINE]
        assert newest_segment(engine) - first >= ONLINE_FOR_S / SEGMENT_S / 2

        writer.kill_now()  # the playlist stays as it is: it stops advancing
        await writer.wait()
        next_due = playlist.stat().st_mtime + SEGMENT_S  # when the source missed its update
        await engine.wait_status(1, Status.OFFLINE, 30)
        late_s = time.time() - next_due
        print(f"offline {late_s:.2f} s after the source's next segment was due")
        assert late_s <= SEGMENT_S + SLACK_S
        offline = engine.transitions(1)[-1]
        assert "no progress" in offline.reason
        assert "target duration 2 s" in offline.reason


async def test_an_hls_source_whose_server_stops_is_offline_within_its_target_duration(
    engine_factory: EngineFactory, tmp_path: Path
) -> None:
    source_dir = tmp_path / "source"
    async with (
        live_hls(source_dir, segment_s=SEGMENT_S, list_size=6),
        serve_http(source_dir) as server,
    ):
        await wait_until(lambda: len(list(source_dir.glob("*.ts"))) >= 2, 30, "two source segments")
        engine = await engine_factory([http_channel(f"{server.url}/index.m3u8")])
        await engine.wait_status(1, Status.ONLINE, 30)

        await server.stop()
        stopped_at = time.monotonic()
        offline_at = await engine.wait_status(1, Status.OFFLINE, 30)
        print(f"offline {offline_at - stopped_at:.2f} s after the server stopped")
        assert offline_at - stopped_at <= SEGMENT_S + SLACK_S


async def test_an_http_ts_source_sending_in_bursts_stays_online_and_goes_offline_when_it_stalls(
    engine_factory: EngineFactory,
) -> None:
    async with bursty_ts(burst_s=1.5) as source:
        engine = await engine_factory([http_channel(source.url)])
        await engine.wait_status(1, Status.ONLINE, 30)
        first = newest_segment(engine)

        not_online = await stays_online(engine, BURSTY_FOR_S)

        assert not_online == [], [(c.to_status, c.reason) for c in engine.transitions(1)]
        assert [c.to_status for c in engine.transitions(1)] == [Status.STARTING, Status.ONLINE]
        assert newest_segment(engine) - first >= BURSTY_FOR_S / SEGMENT_S / 2

        source.pause()  # the connection stays open, nothing more arrives
        paused_at = time.monotonic()
        offline_at = await engine.wait_status(1, Status.OFFLINE, 30)
        print(f"offline {offline_at - paused_at:.2f} s after the source stalled")
        assert offline_at - paused_at <= BURST_CAP_S + SLACK_S
        assert "no progress" in engine.transitions(1)[-1].reason
