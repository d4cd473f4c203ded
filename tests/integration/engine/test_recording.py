"""Recording a live channel: its segments hard-linked into the dated archive and indexed,
the live folder holding only the live window, one archive across restarts, and archive
files without an index row removed at start."""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streamfleet.alerts.service import AlertService
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.session import Database
from streamfleet.domain.archive import ArchivedSegment, archive_path, recorded_ranges
from streamfleet.domain.status import UP, Status
from streamfleet.engine.archive_retention import ArchiveRetention, disk_space
from streamfleet.engine.context import utc_now
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.events.bus import InProcessBus
from streamfleet.media.hls_args import PUBLISH_LAG_SEGMENTS
from streamfleet.media.public_playlist import parse_public
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.archive_index import archive_index
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
LIST_SIZE = 3
SEGMENT_S = 2.0
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
STALE_TIMEOUT_S = 5.0
"""How long the one-FFmpeg recording test lets media time stand still. Detection has its own
tests; this one needs one FFmpeg for 24 s, which the default 1.2 s cannot promise on a starved
machine: a loaded clean-clone run (fc13) saw a live feed's channel go offline with "no progress
for 1.2 s" while two suites and two busy loops shared the 2 cores."""


@pytest.fixture
async def archive(sqlite_url: str) -> AsyncIterator[ArchiveRepository]:
    async with archive_index(sqlite_url) as index:
        yield index


async def rows(archive: ArchiveRepository, channel_id: int = 1) -> list[ArchivedSegment]:
    return await archive.between(channel_id, FAR_PAST, FAR_FUTURE, 100_000)


def archive_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def live_segments(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.ts"))


async def test_a_recording_channel_archives_hard_links_and_keeps_only_the_live_window_live(
    feeders: Feeders, engine_factory: EngineFactory, archive: ArchiveRepository
) -> None:
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder), recording=True)
    engine = await engine_factory(
        [channel],
        archive,
        hls_list_size=LIST_SIZE,
        hls_segment_seconds=SEGMENT_S,
        stale_timeout_s=STALE_TIMEOUT_S,
    )
    live = engine.settings.hls_dir.resolve() / "ch1"
    root = engine.settings.archive_dir.resolve()
    await engine.wait_status(1, Status.ONLINE, 20)

    def same_inode_as_live() -> bool:
        playlist = live / "index.m3u8"
        state = parse_public(playlist.read_text(), LIST_SIZE) if playlist.exists() else None
        if state is None or not state.segments:
            return False
        newest = state.segments[-1].uri
        linked = list(root.glob(f"ch1/*/*/{newest}"))
        return bool(linked) and linked[0].stat().st_ino == (live / newest).stat().st_ino

    await wait_until(same_inode_as_live, 20, "the newest live segment's archive hard link")
    most_live = 0
    while len(await rows(archive)) < 12:  # ~24 s of recording, polled
        most_live = max(most_live, len(live_segments(live)))
        await wait_until(lambda: True, 1, "", interval_s=0.2)
        # Up all along: degraded is allowed (a starved machine makes a source late, and
        # health says so), a restart is not (below: one FFmpeg for the whole recording).
        assert engine.status(1) in UP, engine.transitions(1)
    assert len(engine.child_pids) == 1, engine.transitions(1)
    # FFmpeg's window (the public one and the publisher's lag), plus what left it within
    # its grace (target duration x (its list size + 1): the target grows when a segment cut
    # at a late keyframe is longer), plus the one being written.
    state = parse_public((live / "index.m3u8").read_text(), LIST_SIZE)
    assert state is not None
    private = LIST_SIZE + PUBLISH_LAG_SEGMENTS
    grace_segments = math.ceil(state.target_duration * (private + 1) / SEGMENT_S)
    assert 0 < most_live <= private + grace_segments + 1
    await engine.supervisor.stop_channel(1)
    assert engine.recorder is not None
    await engine.recorder.flush()

    indexed = await rows(archive)
    assert {r.path for r in indexed} == archive_files(root)
    assert len({r.path for r in indexed}) == len(indexed)
    for row in indexed:
        assert row.path == archive_path("ch1", row.start, Path(row.path).name)
        assert row.bytes == (root / row.path).stat().st_size > 0
        assert 0.5 <= row.duration_s <= 2 * SEGMENT_S + 0.1  # cut at keyframes
    ranges, gaps = recorded_ranges(indexed, SEGMENT_S)
    assert gaps == []
    assert len(ranges) == 1
    recorded = (ranges[0].end - ranges[0].start).total_seconds()
    assert abs(recorded - sum(r.duration_s for r in indexed)) <= SEGMENT_S
    assert ranges[0].segments == len(indexed) >= 12


async def test_a_server_restarted_while_recording_keeps_one_archive_without_duplicate_rows(
    feeders: Feeders, engine_factory: EngineFactory, archive: ArchiveRepository, tmp_path: Path
) -> None:
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder), recording=True)
    settings = {"hls_list_size": LIST_SIZE, "hls_segment_seconds": SEGMENT_S}
    data_dir = tmp_path / "shared"
    first = await engine_factory([channel], archive, data_dir=data_dir, **settings)
    await wait_until(lambda: first.recorder is not None and first.recorder.archived >= 3, 30, "3")
    await first.close()
    before = len(await rows(archive))
    assert before >= 3
    second = await engine_factory([channel], archive, data_dir=data_dir, **settings)
    assert second.recorder is not None
    assert await second.recorder.reconcile([channel]) == 0
    await wait_until(lambda: second.recorder.archived >= 3, 30, "3 more archived segments")
    await second.close()
    indexed = await rows(archive)
    paths = [r.path for r in indexed]
    assert len(indexed) >= before + 3
    assert len(set(paths)) == len(paths)
    assert set(paths) == archive_files(second.settings.archive_dir.resolve())
    assert len({Path(p).name.rpartition("_")[0] for p in paths}) == 2  # one prefix per child


async def test_archive_files_without_an_index_row_are_removed_at_start(
    archive: ArchiveRepository, tmp_path: Path
) -> None:
    """A crash between the link and the insert: the next start finds the file and removes it."""
    root = tmp_path / "archive"
    recorder = ArchiveRecorder(root, archive, wall=lambda: 0.0)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    kept = archive_path("ch1", start, "a1_000001.ts")
    orphan = archive_path("ch1", start + timedelta(seconds=2), "a1_000002.ts")
    for relative in (kept, orphan):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"\x47" * 188)
    await archive.add([ArchivedSegment(1, start, 2.0, 188, kept)])
    channel = udp_channel(1, "udp://127.0.0.1:9", recording=True)
    assert await recorder.reconcile([channel]) == 1
    assert archive_files(root) == {kept}
    assert os.path.exists(root / kept)


async def test_a_floor_above_the_real_free_space_pauses_recording_while_live_goes_on(
    feeders: Feeders, engine_factory: EngineFactory, archive: ArchiveRepository, sqlite_url: str
) -> None:
    """Lowering the floor again resumes recording; the alert opens, then resolves."""
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder), recording=True)
    engine = await engine_factory(
        [channel], archive, hls_list_size=LIST_SIZE, hls_segment_seconds=SEGMENT_S
    )
    recorder = engine.recorder
    assert recorder is not None
    database = Database(sqlite_url)
    bus = InProcessBus()
    alerts = AlertService(engine.settings, database, bus)
    over = engine.settings.model_copy(update={"archive_min_free_percent": 90.0})
    keeper = ArchiveRetention(
        over, archive, recorder, engine.supervisor.channels, now=utc_now, alerts=alerts
    )
    live = engine.settings.hls_dir.resolve() / "ch1" / "index.m3u8"

    def media_sequence() -> int:
        state = parse_public(live.read_text(), LIST_SIZE) if live.exists() else None
        return state.next_media_sequence if state is not None else 0

    async def open_rules() -> list[str]:
        return [a.rule for a in await alerts.alerts.list_open()]

    try:

        async def two_rows() -> bool:
            return len(await rows(archive)) >= 2

        await wait_until(two_rows, 30, "two indexed segments")
        free, total = disk_space(recorder.root)
        assert free < keeper.floor_bytes(total), "the test needs a disk over 10 % full"
        report = await keeper.run_once()
        assert report.paused
        assert report.by_floor >= 2  # the archive goes first, then recording pauses
        assert await open_rules() == ["archive_space"]
        archived, sequence = recorder.archived, media_sequence()
        await wait_until(lambda: media_sequence() >= sequence + 3, 20, "3 more live segments")
        assert recorder.archived == archived
        assert recorder.skipped_paused >= 3

        keeper.settings = engine.settings  # the default floor, under the free space
        report = await keeper.run_once()
        assert not report.paused
        assert await open_rules() == []
        await wait_until(lambda: recorder.archived >= archived + 2, 20, "recording again")
    finally:
        await bus.close()
        await database.dispose()
