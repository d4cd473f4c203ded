"""The archive index and its retention on every backend, with real files and an injected
clock: days and byte quotas remove the oldest segments first (files and rows), the
free-space floor takes the oldest of any channel, then pauses recording and resumes it.
No rule deletes a segment in a locked range or in the span of an export still to run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streamfleet.config import Settings
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.archive_locks import ArchiveLockRepository
from streamfleet.domain.archive import ArchivedSegment, archive_path
from streamfleet.domain.archive_locks import ArchiveLock
from streamfleet.domain.channel import Channel
from streamfleet.engine.archive_retention import BATCH, ArchiveRetention
from streamfleet.engine.recorder import ArchiveRecorder
from tests.support.archive_index import archive_index, export_jobs, lock_index, queued_export

NOW = datetime(2026, 6, 10, 12, 0, 0, 500000, tzinfo=UTC)
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
SEGMENT_BYTES = 1_000


@pytest.fixture
async def archive(database_url: str) -> AsyncIterator[ArchiveRepository]:
    async with archive_index(database_url) as index:
        yield index


@pytest.fixture
async def locks(
    database_url: str, archive: ArchiveRepository
) -> AsyncIterator[ArchiveLockRepository]:
    async with lock_index(database_url) as index:
        yield index


class Space:
    """The archive disk's free space as the test sets it."""

    def __init__(self, free: int, total: int = 100 * 10**9) -> None:
        self.free = free
        self.total = total

    def __call__(self, _path: Path) -> tuple[int, int]:
        return self.free, self.total


class FreeingSpace(Space):
    """Free space that grows by what was deleted from the archive since it was made."""

    def __init__(self, free: int, root: Path) -> None:
        super().__init__(free)
        self.root = root
        self.start_bytes = self.archive_bytes()

    def archive_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*.ts"))

    def __call__(self, _path: Path) -> tuple[int, int]:
        return self.free + self.start_bytes - self.archive_bytes(), self.total


class Alerts:
    """What retention told the alert service, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def archive_space_low(self, reason: str) -> None:
        self.calls.append("low")

    async def archive_space_ok(self) -> None:
        self.calls.append("ok")


def channel(cid: int, **fields: object) -> Channel:
    return Channel(
        id=cid, slug=f"ch{cid}", name=f"ch{cid}", input_url="udp://127.0.0.1:9", **fields
    )  # type: ignore[arg-type]


async def record(
    archive: ArchiveRepository, root: Path, cid: int, starts: list[datetime]
) -> list[str]:
    """Archive files and their rows, one 2 s segment at each start."""
    segments = []
    for n, start in enumerate(starts):
        path = archive_path(f"ch{cid}", start, f"a1_{n:06d}.ts")
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"\x47" * SEGMENT_BYTES)
        segments.append(ArchivedSegment(cid, start, 2.0, SEGMENT_BYTES, path))
    await archive.add(segments)
    return [s.path for s in segments]


def retention(
    archive: ArchiveRepository,
    root: Path,
    channels: list[Channel],
    *,
    space: Space | None = None,
    alerts: Alerts | None = None,
    locks: ArchiveLockRepository | None = None,
) -> ArchiveRetention:
    settings = Settings(
        data_dir=root.parent, demo=False, archive_min_free_gb=1, archive_min_free_percent=0
    )
    recorder = ArchiveRecorder(root, archive, wall=lambda: NOW.timestamp())
    return ArchiveRetention(
        settings,
        archive,
        recorder,
        lambda: channels,
        now=lambda: NOW,
        free_space=space or Space(free=50 * 10**9),
        alerts=alerts,
        kept=locks,
    )


async def remaining(archive: ArchiveRepository, cid: int) -> list[str]:
    return [s.path for s in await archive.between(cid, FAR_PAST, NOW + timedelta(days=1), 10_000)]


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.ts")}


async def test_segments_older_than_the_channels_retention_days_go_with_their_files(
    archive: ArchiveRepository, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    old = [NOW - timedelta(days=3, seconds=10 - 2 * n) for n in range(3)]
    young = [NOW - timedelta(days=2, seconds=-2 * n) for n in range(3)]
    paths = await record(archive, root, 1, old + young)
    other = await record(archive, root, 2, old)  # retention_days 7: kept
    report = await retention(archive, root, [channel(1, retention_days=3), channel(2)]).run_once()
    assert report.by_age == 3
    assert await remaining(archive, 1) == paths[3:]
    assert await remaining(archive, 2) == other
    assert files(root) == set(paths[3:]) | set(other)
    assert not (root / paths[0]).parent.exists()  # the emptied hour folder went too


async def test_a_byte_quota_removes_the_oldest_segments_until_the_channel_fits(
    archive: ArchiveRepository, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    starts = [NOW - timedelta(minutes=10) + timedelta(seconds=2 * n) for n in range(10)]
    paths = await record(archive, root, 1, starts)
    quota = 4 * SEGMENT_BYTES + 500
    report = await retention(archive, root, [channel(1, retention_bytes=quota)]).run_once()
    assert report.by_quota == 6
    assert await remaining(archive, 1) == paths[6:]
    assert await archive.total_bytes(1) == 4 * SEGMENT_BYTES
    assert files(root) == set(paths[6:])


async def test_under_the_floor_the_oldest_of_any_channel_goes_then_recording_pauses_and_resumes(
    archive: ArchiveRepository, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    await record(archive, root, 1, [NOW - timedelta(hours=2, seconds=-n) for n in range(3)])
    await record(archive, root, 2, [NOW - timedelta(hours=1, seconds=-n) for n in range(3)])
    space, alerts = Space(free=10**9 - 1), Alerts()
    keeper = retention(archive, root, [channel(1), channel(2)], space=space, alerts=alerts)

    report = await keeper.run_once()  # nothing frees space (the test's disk): all goes, pause
    assert report.by_floor == 6
    assert report.paused
    assert keeper.recorder.paused
    assert await remaining(archive, 1) == await remaining(archive, 2) == []
    assert files(root) == set()
    assert alerts.calls == ["low"]

    await keeper.run_once()
    assert alerts.calls == ["low"]  # one alert while it lasts

    space.free = 10**9
    report = await keeper.run_once()
    assert not report.paused
    assert not keeper.recorder.paused
    assert alerts.calls == ["low", "ok"]


async def test_the_floor_stops_deleting_once_space_is_back(
    archive: ArchiveRepository, tmp_path: Path
) -> None:
    """Freed space is measured again after each batch: the newest recordings stay."""
    root = tmp_path / "archive"
    old = await record(archive, root, 1, [NOW - timedelta(hours=3, seconds=-n) for n in range(150)])
    new = await record(archive, root, 2, [NOW - timedelta(hours=1, seconds=-n) for n in range(5)])
    space = FreeingSpace(10**9 - 1, root)
    keeper = retention(archive, root, [channel(1), channel(2)], space=space)
    report = await keeper.run_once()
    assert report.by_floor == 100  # one batch of the oldest channel was enough
    assert not report.paused
    assert await remaining(archive, 1) == old[100:]
    assert await remaining(archive, 2) == new


async def lock(locks: ArchiveLockRepository, cid: int, start: datetime, end: datetime) -> None:
    await locks.add(ArchiveLock(cid, start, end, reason="kept", created_at=NOW))


async def test_days_and_quota_keep_every_segment_a_lock_touches(
    archive: ArchiveRepository, locks: ArchiveLockRepository, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    first = NOW - timedelta(days=5)
    paths = await record(archive, root, 1, [first + timedelta(seconds=2 * n) for n in range(10)])
    young = NOW - timedelta(minutes=10)
    quota = await record(archive, root, 2, [young + timedelta(seconds=2 * n) for n in range(10)])
    # Segments 3-5 of channel 1 (the lock starts inside segment 3), 0-3 of channel 2.
    await lock(locks, 1, first + timedelta(seconds=7), first + timedelta(seconds=11))
    await lock(locks, 2, young, young + timedelta(seconds=8))
    keeper = retention(
        archive,
        root,
        [channel(1, retention_days=1), channel(2, retention_bytes=2 * SEGMENT_BYTES)],
        locks=locks,
    )
    report = await keeper.run_once()
    assert await remaining(archive, 1) == paths[3:6]
    assert report.by_age == 7
    assert await remaining(archive, 2) == quota[:4]  # over the quota, but locked
    assert report.by_quota == 6
    assert files(root) == set(paths[3:6]) | set(quota[:4])


async def test_a_lock_longer_than_a_batch_does_not_hold_back_the_segments_after_it(
    archive: ArchiveRepository, locks: ArchiveLockRepository, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    first = NOW - timedelta(days=10)
    starts = [first + timedelta(seconds=2 * n) for n in range(BATCH + 20)]
    paths = await record(archive, root, 1, starts)
    await lock(locks, 1, starts[0], starts[BATCH + 5])  # the oldest BATCH + 5 segments
    report = await retention(archive, root, [channel(1, retention_days=1)], locks=locks).run_once()
    assert report.by_age == 15
    assert await remaining(archive, 1) == paths[: BATCH + 5]


async def test_under_the_floor_locked_segments_stay_and_recording_pauses(
    archive: ArchiveRepository, locks: ArchiveLockRepository, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    starts = [NOW - timedelta(hours=2, seconds=-2 * n) for n in range(6)]
    paths = await record(archive, root, 1, starts)
    await lock(locks, 1, starts[0], starts[2])
    alerts = Alerts()
    keeper = retention(
        archive, root, [channel(1)], space=Space(free=10**9 - 1), alerts=alerts, locks=locks
    )
    report = await keeper.run_once()
    assert report.by_floor == 4
    assert report.paused
    assert alerts.calls == ["low"]
    assert await remaining(archive, 1) == paths[:2]


async def test_the_span_of_an_export_still_to_run_is_kept(
    archive: ArchiveRepository, database_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    first = NOW - timedelta(days=5)
    starts = [first + timedelta(seconds=2 * n) for n in range(5)]
    paths = await record(archive, root, 1, starts)
    async with export_jobs(database_url) as jobs, lock_index(database_url) as locks:
        await jobs.create(queued_export(1, starts[1], starts[3]))
        keeper = retention(archive, root, [channel(1, retention_days=1)], locks=locks)
        assert (await keeper.run_once()).by_age == 3
    assert await remaining(archive, 1) == paths[1:3]
