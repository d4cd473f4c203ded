"""The archive's second tier in a bucket (moto's S3 server on loopback, real FFmpeg):
uploaded segments leave the disk and a catch-up playlist over them still plays (its
segments redirect to presigned URLs); retention removes objects with their rows; the
free-space floor deletes only what the bucket does not hold."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamfleet.background import keep_running, stop_task
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.domain.archive import ArchivedSegment, archive_path
from streamfleet.domain.channel import Channel
from streamfleet.engine.archive_retention import ArchiveRetention
from streamfleet.engine.archive_upload import ArchiveUploader
from streamfleet.engine.builder import build_engine
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.storage.archive_bucket import ArchiveBucket
from tests.integration.engine.conftest import udp_channel
from tests.support.archive_index import archive_index
from tests.support.live_server import serve_streamfleet
from tests.support.media import Feeders, channel_url
from tests.support.s3 import S3Bucket
from tests.support.server import settings_for_test
from tests.support.waiting import wait_until

PREFIX = "site-a/archive"
UPLOADED = 5
"""Segments of 2 s uploaded before the catch-up playlist is asked for: a 10 s span."""
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
PLAY_TIMEOUT_S = 60.0


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def test_uploaded_segments_leave_the_disk_and_a_catch_up_playlist_over_them_plays(
    tmp_path: Path, s3_bucket: S3Bucket, feeders: Feeders, ffmpeg_path: str
) -> None:
    settings = settings_for_test(
        tmp_path / "data",
        archive_to_s3=True,
        archive_upload_after_s=0,
        archive_upload_interval_s=1,
        s3_archive_prefix=PREFIX,
        **s3_bucket.settings,
    )
    feeder = await feeders.start()
    async with (
        serve_streamfleet(settings, engine_factory=build_engine) as server,
        httpx.AsyncClient(base_url=server.http_url, headers=server.headers) as client,
    ):
        created = await client.post(
            "/api/v1/channels",
            json={
                "name": "Bucketed",
                "input_url": channel_url(feeder),
                "recording": True,
                "hls": {"segment_seconds": 2, "list_size": 3},
            },
        )
        assert created.status_code == 201, created.text
        cid, slug = created.json()["id"], created.json()["slug"]
        archive = ArchiveRepository(server.app.state.database.sessions)
        root = settings.archive_dir

        async def uploaded() -> list[ArchivedSegment] | None:
            keys = set(s3_bucket.keys(PREFIX))
            rows = await archive.between(cid, FAR_PAST, FAR_FUTURE, 1000)
            done = [
                r for r in rows if f"{PREFIX}/{r.path}" in keys and not (root / r.path).exists()
            ]
            return done if len(done) >= UPLOADED else None

        rows = await wait_until(uploaded, 60, f"{UPLOADED} segments only in the bucket")
        first, last = rows[0], rows[UPLOADED - 1]
        # Uploaded with their checksum, as segments.
        head = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=f"{PREFIX}/{first.path}")
        assert head["ContentType"] == "video/mp2t"
        assert head["ContentLength"] == first.bytes

        span = {"from": iso(first.start), "to": iso(last.end - timedelta(seconds=0.5))}
        playlist = await client.get(f"/hls/{slug}/archive.m3u8", params=span)
        assert playlist.status_code == 200, playlist.text
        names = [line for line in playlist.text.splitlines() if line and line[0] != "#"]
        assert len(names) == UPLOADED
        segment = await client.get(f"/hls/{slug}/{names[0]}")
        assert segment.status_code == 302
        assert segment.headers["location"].startswith(f"{s3_bucket.endpoint_url}/")
        fetched = await client.get(segment.headers["location"])
        assert fetched.status_code == 200
        assert len(fetched.content) == first.bytes

        url = f"{server.http_url}/hls/{slug}/archive.m3u8?{httpx.QueryParams(span)}"
        player = await asyncio.create_subprocess_exec(
            ffmpeg_path, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", url,
            "-progress", "pipe:1", "-f", "null", "-",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(player.communicate(), PLAY_TIMEOUT_S)
        finally:
            if player.returncode is None:
                player.kill()
                await player.wait()
        assert player.returncode == 0, err.decode()
        assert err.decode().strip() == ""
        played_us = max(
            int(line.split("=", 1)[1])
            for line in out.decode().splitlines()
            if line.startswith("out_time_us=") and line.split("=", 1)[1].isdigit()
        )
        assert played_us / 1e6 >= 2 * UPLOADED - 3  # every segment decoded

        # An export of the span reads its segments back from the bucket.
        job = (await client.post(f"/api/v1/channels/{cid}/exports", json=span)).json()

        async def finished() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get(f"/api/v1/exports/{job['id']}")).json()
            return body if body["state"] in ("done", "failed") else None

        done = await wait_until(finished, PLAY_TIMEOUT_S, "the export")
        assert done["state"] == "done", done["error"]
        (part,) = done["parts"]
        mp4 = await client.get(part["url"])
        assert mp4.status_code == 200
        assert mp4.content[4:8] == b"ftyp"
        assert not any(settings.exports_dir.rglob("bucket-*"))  # the copies went after the part


@pytest.fixture
async def archive(sqlite_url: str) -> AsyncIterator[ArchiveRepository]:
    async with archive_index(sqlite_url) as index:
        yield index


async def stored(
    archive: ArchiveRepository,
    bucket: ArchiveBucket,
    root: Path,
    start: datetime,
    names: list[str],
    *,
    in_bucket: bool,
) -> list[ArchivedSegment]:
    """Segments of channel 1 from ``start``, 2 s each: uploaded (object, no file, row marked)
    or local only (file, row)."""
    rows = []
    for n, name in enumerate(names):
        relative = archive_path("ch1", start + timedelta(seconds=2 * n), name)
        rows.append(ArchivedSegment(1, start + timedelta(seconds=2 * n), 2.0, 188, relative))
        if in_bucket:
            bucket.objects.put(bucket.key(relative), b"\x47" * 188)
        else:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(b"\x47" * 188)
    await archive.add(rows)
    added = await archive.between(1, start, start + timedelta(hours=1), 100)
    if in_bucket:
        await archive.mark_in_bucket([r.id for r in added if r.id is not None])
    return added


async def test_retention_removes_uploaded_segments_from_the_bucket_with_their_rows(
    tmp_path: Path, s3_bucket: S3Bucket, archive: ArchiveRepository
) -> None:
    settings = settings_for_test(tmp_path, s3_archive_prefix=PREFIX, **s3_bucket.settings)
    bucket = ArchiveBucket(s3_bucket.objects, PREFIX)
    root = tmp_path / "archive"
    now = datetime.now(UTC).replace(microsecond=0)
    await stored(archive, bucket, root, now - timedelta(days=3), ["o1.ts", "o2.ts"], in_bucket=True)
    new = await stored(archive, bucket, root, now - timedelta(hours=1), ["n1.ts"], in_bucket=True)
    channel = udp_channel(1, "udp://127.0.0.1:9", recording=True, retention_days=2)
    retention = ArchiveRetention(
        settings,
        archive,
        ArchiveRecorder(root, archive, wall=lambda: 0.0),
        lambda: [channel],
        now=lambda: now,
        free_space=lambda _root: (10**12, 10**12),
        bucket=bucket,
    )
    report = await retention.run_once()
    assert report.by_age == 2
    assert s3_bucket.keys(PREFIX) == [bucket.key(s.path) for s in new]
    assert [s.path for s in await archive.between(1, FAR_PAST, FAR_FUTURE, 100)] == [
        s.path for s in new
    ]


async def test_the_free_space_floor_deletes_only_what_the_bucket_does_not_hold(
    tmp_path: Path, s3_bucket: S3Bucket, archive: ArchiveRepository
) -> None:
    """Deleting an uploaded segment frees no disk: the floor leaves it, removes the local ones,
    and recording pauses."""
    settings = settings_for_test(tmp_path, s3_archive_prefix=PREFIX, **s3_bucket.settings)
    bucket = ArchiveBucket(s3_bucket.objects, PREFIX)
    root = tmp_path / "archive"
    now = datetime.now(UTC).replace(microsecond=0)
    uploaded = await stored(
        archive, bucket, root, now - timedelta(hours=3), ["u1.ts", "u2.ts"], in_bucket=True
    )
    await stored(
        archive, bucket, root, now - timedelta(hours=1), ["l1.ts", "l2.ts"], in_bucket=False
    )
    recorder = ArchiveRecorder(root, archive, wall=lambda: 0.0)
    retention = ArchiveRetention(
        settings,
        archive,
        recorder,
        lambda: [udp_channel(1, "udp://127.0.0.1:9", recording=True)],
        now=lambda: now,
        free_space=lambda _root: (0, 10**12),  # always under the floor
        bucket=bucket,
    )
    report = await retention.run_once()
    assert report.by_floor == 2
    assert report.paused
    assert recorder.paused
    left = await archive.between(1, FAR_PAST, FAR_FUTURE, 100)
    assert [s.path for s in left] == [s.path for s in uploaded]
    assert sorted(s3_bucket.keys(PREFIX)) == sorted(bucket.key(s.path) for s in uploaded)
    assert not any(p.is_file() for p in root.rglob("*"))


@pytest.mark.parametrize("sweep_deleted", [True, False])
async def test_a_worker_leaves_the_archives_of_channels_it_does_not_run(
    tmp_path: Path, archive: ArchiveRepository, sweep_deleted: bool
) -> None:
    """``serve`` expires a deleted channel's kept archive at the default age; a fleet's worker
    (``sweep_deleted=False``) cannot tell that from another worker's channel and leaves it."""
    root = tmp_path / "archive"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    relative = archive_path("ch2", start, "a1_000001.ts")
    (root / relative).parent.mkdir(parents=True)
    (root / relative).write_bytes(b"\x47" * 188)
    await archive.add([ArchivedSegment(2, start, 2.0, 188, relative)])
    retention = ArchiveRetention(
        settings_for_test(tmp_path),
        archive,
        ArchiveRecorder(root, archive, wall=lambda: 0.0),
        lambda: [udp_channel(1, "udp://127.0.0.1:9", recording=True)],
        now=lambda: datetime.now(UTC),
        free_space=lambda _root: (10**12, 10**12),
        sweep_deleted=sweep_deleted,
    )
    report = await retention.run_once()
    assert report.by_age == (1 if sweep_deleted else 0)
    assert (root / relative).exists() is not sweep_deleted


async def test_the_uploader_started_again_after_a_crash_still_uploads(
    tmp_path: Path, s3_bucket: S3Bucket, archive: ArchiveRepository
) -> None:
    """``keep_running`` starts ``run`` again after an unexpected error; the new run has a
    thread to upload from (the one before shut its own down)."""
    settings = settings_for_test(
        tmp_path,
        archive_to_s3=True,
        archive_upload_after_s=0,
        archive_upload_interval_s=1,
        s3_archive_prefix=PREFIX,
        **s3_bucket.settings,
    )
    bucket = ArchiveBucket(s3_bucket.objects, PREFIX)
    root = tmp_path / "archive"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    (segment,) = await stored(archive, bucket, root, start, ["l1.ts"], in_bucket=False)
    calls = 0

    def channels() -> list[Channel]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the first pass fails unexpectedly")
        return [udp_channel(1, "udp://127.0.0.1:9", recording=True)]

    uploader = ArchiveUploader(
        settings, archive, bucket, root, channels, now=lambda: datetime.now(UTC)
    )
    task = asyncio.create_task(keep_running("archive-upload", uploader.run, first_pause_s=0.01))
    try:
        await wait_until(
            lambda: s3_bucket.keys(PREFIX) == [bucket.key(segment.path)], 20, "the upload"
        )
    finally:
        await stop_task(task)
    assert calls >= 2
    assert not (root / segment.path).exists()
