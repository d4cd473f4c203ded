"""Catch-up and timeshift playlists from an index written here (no FFmpeg): signed playback
covers the playlists and their archive segments, a ladder answers a master and its
variants, archive files are served with the segment headers, bad input names its field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.domain.archive import ArchivedSegment, archive_path
from tests.support.server import ApiClient

SEGMENT = b"\x47" * 188 * 4
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def span(start: datetime, seconds: float) -> dict[str, str]:
    return {"from": iso(start), "to": iso(start + timedelta(seconds=seconds))}


async def recorded_channel(
    client: ApiClient, name: str, renditions: tuple[str | None, ...] = (None,), count: int = 5
) -> tuple[str, dict[str, Any]]:
    """A channel whose archive holds ``count`` 2 s segments from ``T0`` (per rendition):
    index rows and files. Its slug and its ``urls``."""
    response = await client.post(
        "/api/v1/channels", json={"name": name, "input_url": "udp://239.0.0.1:1234"}
    )
    assert response.status_code == 201, response.text
    channel = response.json()
    root: Path = client.app.state.settings.archive_dir
    rows = []
    for rendition in renditions:
        for n in range(count):
            start = T0 + timedelta(seconds=2 * n)
            relative = archive_path(channel["slug"], start, f"a1_{n}.ts", rendition)
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(SEGMENT)
            size = len(SEGMENT) * (2 if rendition == "720p" else 1)
            rows.append(ArchivedSegment(channel["id"], start, 2.0, size, relative))
    await ArchiveRepository(client.app.state.database.sessions).add(rows)
    return channel["slug"], channel["urls"]


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


async def shifted_to(api: ApiClient, slug: str, seconds: int) -> tuple[Any, set[str]]:
    """The timeshift playlist trailing to about ``T0 + seconds`` (a whole-second delay), and
    the names its newest segment may have: the last 2 s segment complete at the moment the
    route read its clock, somewhere between just before and just after the request."""
    before = datetime.now(UTC)
    delay = int((before - T0).total_seconds() - seconds)
    response = await api.get(f"/hls/{slug}/timeshift.m3u8", params={"delay": delay})
    after = datetime.now(UTC)
    reached = [(t - T0).total_seconds() - delay for t in (before, after)]
    newest = {f"a1_{n}.ts" for n in range(int(reached[0] // 2) - 1, int(reached[1] // 2))}
    return response, newest


async def test_a_signed_catch_up_playlist_and_its_segments_play_under_one_token(
    signed_api: ApiClient,
) -> None:
    slug, urls = await recorded_channel(signed_api, "News")
    prefix = urls["hls"].removesuffix("index.m3u8")
    assert prefix.startswith("/hls/s/")
    anonymous = signed_api.anonymous()
    playlist = await anonymous.get(f"{prefix}archive.m3u8", params=span(T0, 10))
    assert playlist.status_code == 200, playlist.text
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert playlist.headers["cache-control"] == "no-cache"
    assert playlist.headers["access-control-allow-origin"] == "*"
    names = uris(playlist.text)
    assert len(names) == 5
    assert names[0] == f"archive/{T0:%Y-%m-%d}/{T0:%H}/a1_0.ts"
    segment = await anonymous.get(prefix + names[0])
    assert segment.status_code == 200
    assert segment.content == SEGMENT
    assert segment.headers["content-type"] == "video/mp2t"
    assert segment.headers["cache-control"] == "max-age=3600"
    assert segment.headers["access-control-allow-origin"] == "*"
    for unsigned in (f"/hls/{slug}/archive.m3u8", f"/hls/{slug}/{names[0]}"):
        assert (await anonymous.get(unsigned, params=span(T0, 10))).status_code == 403
    wrong = prefix.replace(f"/{slug}/", "/other/")
    assert (await anonymous.get(wrong + names[0])).status_code == 403


async def test_a_ladder_answers_a_master_and_a_variant_per_rendition(api: ApiClient) -> None:
    slug, _ = await recorded_channel(api, "Ladder", ("720p", "480p"))
    master = await api.get(f"/hls/{slug}/archive.m3u8", params=span(T0, 10))
    assert master.status_code == 200, master.text
    assert "#EXT-X-STREAM-INF:BANDWIDTH=6016" in master.text  # 2 x 752 bytes in 2 s
    variants = uris(master.text)
    assert [v.split("?")[0] for v in variants] == ["720p/archive.m3u8", "480p/archive.m3u8"]
    variant = await api.get(f"/hls/{slug}/{variants[1]}")
    assert variant.status_code == 200, variant.text
    assert "#EXT-X-ENDLIST" in variant.text
    first = uris(variant.text)[0]
    segment = await api.get(f"/hls/{slug}/480p/{first}")
    assert segment.status_code == 200
    assert segment.content == SEGMENT
    delay = int((datetime.now(UTC) - T0).total_seconds() - 10)  # the moment T0 + 10 s
    timeshift = await api.get(f"/hls/{slug}/timeshift.m3u8", params={"delay": delay})
    assert timeshift.status_code == 200, timeshift.text
    assert uris(timeshift.text) == [f"{r}/timeshift.m3u8?delay={delay}" for r in ("720p", "480p")]
    missing = await api.get(f"/hls/{slug}/1080p/archive.m3u8", params=span(T0, 10))
    assert missing.status_code == 404


async def test_a_timeshift_window_trails_now_by_the_delay(api: ApiClient) -> None:
    slug, _ = await recorded_channel(api, "Shift", count=30)  # T0 .. T0 + 60 s
    response, newest = await shifted_to(api, slug, 40)
    assert response.status_code == 200, response.text
    names = [u.rsplit("/", 1)[1] for u in uris(response.text)]
    assert names[-1] in newest
    assert len(names) == 6  # the channel's list size


async def test_archive_files_outside_the_rules_are_not_served(api: ApiClient) -> None:
    slug, _ = await recorded_channel(api, "Files", count=1)
    root: Path = api.app.state.settings.archive_dir
    day, hour = f"{T0:%Y-%m-%d}", f"{T0:%H}"
    (root / slug / day / hour / "notes.txt").write_text("private")
    outside = api.app.state.settings.data_dir / "outside.ts"
    outside.write_bytes(SEGMENT)
    (root / slug / day / hour / "escape.ts").symlink_to(outside)
    for path in ("notes.txt", "escape.ts", "missing.ts", "../../a1_0.ts"):
        assert (await api.get(f"/hls/{slug}/archive/{day}/{hour}/{path}")).status_code == 404


BAD_ARCHIVE = [
    ({"from": "2026-05-01T10:00:00Z", "to": "2026-05-01T09:00:00Z"}, "to", "after from"),
    ({"from": "2026-05-01T10:00:00Z", "to": "2026-05-02T10:00:01Z"}, "to", "24 hours"),
    ({"from": "yesterday", "to": "2026-05-01T09:00:00Z"}, "from", ""),
    ({"from": "2026-05-01T10:00:00", "to": "2026-05-01T11:00:00Z"}, "from", "time zone"),
    ({"from": "2026-05-01T10:00:00Z", "to": "2026-05-01T10:00:10Z"}, "from", "nothing"),
    ({"from": "2999-01-01T00:00:00Z"}, "from", "in the past"),
    ({"to": "2026-05-01T10:00:10Z"}, "from", ""),
    ({"from": "0001-01-01T00:00:00+01:00", "to": "0001-01-01T01:00:00Z"}, "from", "range"),
    ({"from": "9999-12-31T22:00:00Z", "to": "9999-12-31T23:00:00-01:00"}, "to", "range"),
]
BAD_TIMESHIFT = [
    ({"delay": "0"}, "delay", ""),
    ({"delay": "ten"}, "delay", ""),
    ({}, "delay", ""),
    ({"delay": str(7 * 86400 + 1)}, "delay", "retention"),
    ({"delay": str(10**30)}, "delay", ""),
    ({"delay": str(3 * 86400)}, "delay", "nothing was recorded"),
]


@pytest.mark.parametrize(
    ("name", "params", "field", "message"),
    [("archive.m3u8", *case) for case in BAD_ARCHIVE]
    + [("timeshift.m3u8", *case) for case in BAD_TIMESHIFT],
)
async def test_bad_input_is_a_problem_naming_the_field(
    api: ApiClient, name: str, params: dict[str, str], field: str, message: str
) -> None:
    slug, _ = await recorded_channel(api, "Bad", count=2)
    response = await api.get(f"/hls/{slug}/{name}", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in fields, fields
    assert message in fields[field]


async def test_an_unknown_channel_is_404(api: ApiClient) -> None:
    assert (await api.get("/hls/nobody/archive.m3u8", params=span(T0, 10))).status_code == 404
    assert (await api.get("/hls/nobody/timeshift.m3u8", params={"delay": 5})).status_code == 404
    assert (await api.get("/hls/No!/timeshift.m3u8", params={"delay": 5})).status_code == 404


async def test_a_channel_whose_slug_is_s_plays_its_archive_unsigned(api: ApiClient) -> None:
    """``/hls/s/archive/…`` is not a signed path: digits follow ``/hls/s/`` only in those."""
    slug, _ = await recorded_channel(api, "S", count=2)
    assert slug == "s"
    playlist = await api.get("/hls/s/archive.m3u8", params=span(T0, 4))
    assert playlist.status_code == 200, playlist.text
    segment = await api.get(f"/hls/s/{uris(playlist.text)[0]}")
    assert segment.status_code == 200
    assert segment.content == SEGMENT


async def test_the_playlists_read_the_index_on_postgresql_and_mariadb(
    api_on_server_db: ApiClient,
) -> None:
    api = api_on_server_db
    slug, _ = await recorded_channel(api, "Server", count=30)  # T0 .. T0 + 60 s
    vod = await api.get(f"/hls/{slug}/archive.m3u8", params=span(T0 + timedelta(seconds=2), 10))
    assert vod.status_code == 200, vod.text
    assert [u.rsplit("/", 1)[1] for u in uris(vod.text)] == [f"a1_{n}.ts" for n in range(1, 6)]
    shifted, newest = await shifted_to(api, slug, 40)
    assert shifted.status_code == 200, shifted.text
    assert uris(shifted.text)[-1].rsplit("/", 1)[1] in newest
