"""Catch-up and timeshift playback of a channel recorded by the real engine, over HTTP.

One recording channel serves every test here: ~14 s recorded, its UDP source stopped for
~10 s, then recorded again (and on, while the tests run). FFmpeg plays a 10 s catch-up
playlist from the server on loopback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamfleet.engine.builder import build_engine
from streamfleet.engine.process import Spawner
from streamfleet.media.playlist_summary import summarize
from streamfleet.media.public_playlist import target_duration_for
from tests.support.live_server import LiveServer, serve_streamfleet
from tests.support.media import Feeders, channel_url
from tests.support.server import settings_for_test
from tests.support.waiting import wait_until

SEGMENT_S = 2.0
LIST_SIZE = 3
FIRST_SEGMENTS = 7
"""~14 s before the source stops."""
GAP_S = 10.0
SECOND_SEGMENTS = 4
RECORD_TIMEOUT_S = 90.0
DECODE_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 10.0
DELAY_S = 8


@dataclass
class Recorded:
    server: LiveServer
    client: httpx.AsyncClient
    slug: str
    channel_id: int
    ranges: list[dict[str, Any]]
    gaps: list[dict[str, Any]]

    async def playlist(self, name: str, **params: Any) -> httpx.Response:
        return await self.client.get(f"/hls/{self.slug}/{name}", params=params)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def recordings(client: httpx.AsyncClient, channel_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/channels/{channel_id}/recordings")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def recorded(
    tmp_path_factory: pytest.TempPathFactory, ffmpeg_path: str, test_clip: Path
) -> AsyncIterator[Recorded]:
    feeders = Feeders(ffmpeg_path, test_clip)
    settings = settings_for_test(tmp_path_factory.mktemp("dvr") / "data")
    try:
        async with (
            serve_streamfleet(settings, engine_factory=build_engine) as server,
            httpx.AsyncClient(
                base_url=server.http_url, headers=server.headers, timeout=HTTP_TIMEOUT_S
            ) as client,
        ):
            feeder = await feeders.start()
            created = await client.post(
                "/api/v1/channels",
                json={
                    "name": "Catch Up",
                    "input_url": channel_url(feeder),
                    "recording": True,
                    "hls": {"segment_seconds": SEGMENT_S, "list_size": LIST_SIZE},
                },
            )
            assert created.status_code == 201, created.text
            cid, slug = created.json()["id"], created.json()["slug"]

            async def segments_in_last_range(count: int, ranges: int) -> dict[str, Any] | None:
                body = await recordings(client, cid)
                found = body["ranges"]
                return body if len(found) == ranges and found[-1]["segments"] >= count else None

            first = await wait_until(
                lambda: segments_in_last_range(FIRST_SEGMENTS, 1), RECORD_TIMEOUT_S, "a range"
            )
            await feeder.stop()

            async def source_gone_for(seconds: float) -> bool:
                ranges = (await recordings(client, cid))["ranges"]
                since = datetime.now(UTC) - at(ranges[-1]["to"])
                return since.total_seconds() >= seconds

            await wait_until(lambda: source_gone_for(GAP_S), RECORD_TIMEOUT_S, "a 10 s gap")
            await feeder.start()
            body = await wait_until(
                lambda: segments_in_last_range(SECOND_SEGMENTS, 2),
                RECORD_TIMEOUT_S,
                "a second range",
            )
            assert first["ranges"][0]["segments"] >= FIRST_SEGMENTS
            yield Recorded(server, client, slug, cid, body["ranges"], body["gaps"])
    finally:
        await feeders.close()


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def durations(playlist: str) -> list[float]:
    return [
        float(line.removeprefix("#EXTINF:").rstrip(","))
        for line in playlist.splitlines()
        if line.startswith("#EXTINF:")
    ]


def times(playlist: str) -> list[datetime]:
    """Each segment's program date-time (carried forward from the last tag)."""
    found: list[datetime] = []
    current: datetime | None = None
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            current = datetime.fromisoformat(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            assert current is not None
            found.append(current)
            current += timedelta(seconds=float(line.removeprefix("#EXTINF:").rstrip(",")))
    return found


async def decode(ffmpeg: str, url: str) -> tuple[int, str, float]:
    """FFmpeg decodes ``url`` to nothing: its exit code, its errors, the media time it reached."""
    args = ["-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-i", url]
    child = await Spawner().spawn([ffmpeg, *args, "-f", "null", "-"])
    try:
        assert child.stdout is not None
        assert child.stderr is not None
        out, err = await asyncio.wait_for(
            asyncio.gather(child.stdout.read(), child.stderr.read()), DECODE_TIMEOUT_S
        )
        code = await asyncio.wait_for(child.wait(), DECODE_TIMEOUT_S)
    finally:
        await child.stop(1.0)
    reached = [
        int(line.split("=", 1)[1])
        for line in out.decode().splitlines()
        if line.startswith("out_time_us=") and line.split("=", 1)[1].isdigit()
    ]
    return code, err.decode(), (reached[-1] / 1e6 if reached else 0.0)


async def test_a_10_s_catch_up_playlist_plays_and_lasts_10_s(
    recorded: Recorded, ffmpeg_path: str
) -> None:
    start = at(recorded.ranges[0]["from"]) + timedelta(seconds=SEGMENT_S)
    span = {"from": iso(start), "to": iso(start + timedelta(seconds=10))}
    response = await recorded.playlist("archive.m3u8", **span)
    assert response.status_code == 200, response.text
    text = response.text
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text
    assert text.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-DISCONTINUITY" not in text
    listed = durations(text)
    assert abs(sum(listed) - 10) <= max(listed)
    summary = summarize(text)
    assert summary is not None
    assert summary.target_duration_s == max(target_duration_for(d) for d in listed)
    first = times(text)[0]
    assert start <= first < start + timedelta(seconds=max(listed))

    query = httpx.QueryParams(span)
    url = f"{recorded.server.http_url}/hls/{recorded.slug}/archive.m3u8?{query}"
    code, errors, reached = await decode(ffmpeg_path, url)
    assert code == 0, errors
    assert errors == ""
    assert abs(reached - sum(listed)) <= 1.0


async def test_a_stopped_source_leaves_two_ranges_a_gap_and_a_discontinuity(
    recorded: Recorded,
) -> None:
    first, second = recorded.ranges
    (gap,) = recorded.gaps
    assert (at(gap["to"]) - at(gap["from"])).total_seconds() >= GAP_S - SEGMENT_S
    span = {"from": first["from"], "to": iso(at(second["to"]))}
    response = await recorded.playlist("archive.m3u8", **span)
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert lines.count("#EXT-X-DISCONTINUITY") == 1
    after = lines.index("#EXT-X-DISCONTINUITY")
    assert at(lines[after + 1].split(":", 1)[1]) == at(second["from"])
    assert len(uris(response.text)) == first["segments"] + second["segments"]


async def test_an_event_playlist_grows_as_the_channel_records(recorded: Recorded) -> None:
    since = recorded.ranges[-1]["from"]
    response = await recorded.playlist("archive.m3u8", **{"from": since})
    assert response.status_code == 200, response.text
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in response.text
    assert "#EXT-X-ENDLIST" not in response.text
    before = uris(response.text)

    async def grown() -> list[str] | None:
        again = await recorded.playlist("archive.m3u8", **{"from": since})
        now = uris(again.text)
        return now if len(now) > len(before) else None

    after = await wait_until(grown, 30, "a longer EVENT playlist")
    assert after[: len(before)] == before  # only ever appended to


async def test_the_timeshift_window_trails_live_by_the_delay(recorded: Recorded) -> None:
    async def both() -> tuple[str, str] | None:
        live, shifted = await asyncio.gather(
            recorded.playlist("index.m3u8"), recorded.playlist("timeshift.m3u8", delay=DELAY_S)
        )
        if shifted.status_code == 422:  # the second range is not DELAY_S long yet
            return None
        assert shifted.status_code == 200, shifted.text
        # Right after the gap the window holds only what was recorded since.
        return (live.text, shifted.text) if len(uris(shifted.text)) == LIST_SIZE else None

    live, shifted = await wait_until(both, 40, "a full window since the source is back")
    assert all(u.startswith("archive/") for u in uris(shifted))
    behind = (times(live)[-1] - times(shifted)[-1]).total_seconds()
    assert abs(behind - DELAY_S) <= 2 * SEGMENT_S, behind
    segment = await recorded.client.get(f"/hls/{recorded.slug}/{uris(shifted)[0]}")
    assert segment.status_code == 200
    assert segment.content[:1] == b"\x47"

    first = summarize(shifted)
    assert first is not None

    async def slid() -> int | None:
        fetched = await both()
        again = summarize(fetched[1]) if fetched is not None else None
        assert again is not None
        assert again.media_sequence >= first.media_sequence  # never back
        return again.media_sequence if again.media_sequence > first.media_sequence else None

    await wait_until(slid, 30, "the timeshift window to slide")
