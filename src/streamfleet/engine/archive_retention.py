"""Archive retention: per-channel days and byte quotas, and a server-wide free-space floor.

    retention = ArchiveRetention(settings, index, recorder, channels, now=utc_now)
    task = asyncio.create_task(retention.run())    # a pass every archive_retention_interval_s
    report = await retention.run_once()            # what one pass deleted, and the floor's verdict

Each pass works from the index (``(channel_id, start)``), never walks the archive,
and deletes oldest first in batches of ``BATCH`` rows (files, then their rows), at
most ``MAX_BATCHES`` per rule and pass, so a backlog (a week of a fleet, a lowered
quota) drains over a few passes without holding the event loop:

1. every channel (known to the engine, or with rows left by a deleted channel whose
   archive was kept): segments older than its ``retention_days``;
2. a channel with ``retention_bytes``: its oldest segments until it is under the quota
   (one ``SUM`` per such channel and pass);
3. the floor (``archive_min_free_gb``, ``archive_min_free_percent`` of the disk, the
   larger): while the archive's disk has less free space, the oldest segments of any
   channel go first whatever their retention. Still under the floor after that, the
   recorder pauses (live output goes on), the ``archive_space`` alert opens; a later
   pass that finds space again resumes recording and resolves it.

A segment overlapping a kept span (a locked range, or the span of a queued or running
export: ``KeptSpanSource``, read once per pass) is never deleted, by any rule: under the
floor the unlocked segments go and then recording pauses with its alert. Reads page past
kept segments by ``(start, id)``, so a long locked range never stalls the rules behind it.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Protocol

import structlog

from streamfleet.config import Settings
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.domain.archive import ArchivedSegment
from streamfleet.domain.archive_locks import KeptSpan, KeptSpans
from streamfleet.domain.channel import DEFAULT_RETENTION_DAYS, Channel
from streamfleet.engine.archive_reads import OldestSegments
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.storage.archive_bucket import ArchiveBucket
from streamfleet.storage.archive_files import remove_archived
from streamfleet.storage.object_store import ObjectStoreError

log = structlog.get_logger()

BATCH: Final = 500
"""Index rows read and deleted at a time."""
MAX_BATCHES: Final = 20
"""Per rule and pass: at most 10 000 segments (5.5 hours of a 2 s channel)."""
FLOOR_BATCH: Final = 100
"""Under the floor, segments deleted before free space is measured again."""
STORED_IDS_REFRESH: Final = timedelta(hours=1)
"""How often the channel ids with rows are read again (a ``DISTINCT`` over the index)."""
GB: Final = 1_000_000_000


class RetentionIndex(OldestSegments, Protocol):
    async def total_bytes(self, channel_id: int) -> int: ...

    async def channel_ids(self) -> list[int]: ...

    async def delete(self, ids: Sequence[int]) -> None: ...


class SpaceAlerts(Protocol):
    async def archive_space_low(self, reason: str) -> None: ...

    async def archive_space_ok(self) -> None: ...


FreeSpace = Callable[[Path], tuple[int, int]]
"""``(free bytes, total bytes)`` of the filesystem holding a path."""


def disk_space(path: Path) -> tuple[int, int]:
    """Of ``path``'s filesystem (its nearest existing folder: nothing is archived yet)."""
    existing = next((p for p in (path, *path.parents) if p.exists()), path)
    usage = shutil.disk_usage(existing)
    return usage.free, usage.total


class KeptSpanSource(Protocol):
    """Spans retention must not delete from (``ArchiveLockRepository``)."""

    async def kept_spans(self) -> list[KeptSpan]: ...


@dataclass(frozen=True, slots=True)
class RetentionReport:
    by_age: int = 0
    by_quota: int = 0
    by_floor: int = 0
    paused: bool = False


class ArchiveRetention:
    def __init__(
        self,
        settings: Settings,
        index: RetentionIndex,
        recorder: ArchiveRecorder,
        channels: Callable[[], Iterable[Channel]],
        *,
        now: Callable[[], datetime],
        free_space: FreeSpace = disk_space,
        alerts: SpaceAlerts | None = None,
        kept: KeptSpanSource | None = None,
        bucket: ArchiveBucket | None = None,
        sweep_deleted: bool = True,
    ) -> None:
        self.settings = settings
        self.index = index
        self.recorder = recorder
        self.channels = channels
        self.now = now
        self.free_space = free_space
        self.alerts = alerts
        self.kept = kept
        self._kept_now = KeptSpans()
        self.bucket = bucket
        self.sweep_deleted = sweep_deleted
        """Also expire the rows of channels no longer known (kept archives of deleted ones).
        A fleet's worker knows only its own channels: every other channel's rows would look
        deleted to it, so it leaves them alone."""
        """The archive's objects (``archive_to_s3``): retention removes them with the rows."""
        self._stored_ids: list[int] = []
        self._stored_read_at: datetime | None = None

    async def run(self) -> None:
        """A pass now, then every ``archive_retention_interval_s``, until cancelled."""
        while True:
            try:
                await self.run_once()
            except (DatabaseUnavailable, OSError) as exc:  # the next pass tries again
                log.warning("archive.retention_failed", error=str(exc))
            await asyncio.sleep(self.settings.archive_retention_interval_s)

    def keeps(self, segment: ArchivedSegment) -> bool:
        """Whether ``segment`` lies (partly) in a span kept at this pass."""
        return self._kept_now.keeps(segment)

    async def run_once(self) -> RetentionReport:
        self._kept_now = KeptSpans(await self.kept.kept_spans() if self.kept else ())
        channels = {c.id: c for c in self.channels()}
        stored = await self._stored_channel_ids() if self.sweep_deleted else []
        ids = sorted(set(channels) | set(stored))
        by_age = by_quota = 0
        for cid in ids:
            channel = channels.get(cid)
            days = channel.retention_days if channel is not None else DEFAULT_RETENTION_DAYS
            by_age += await self._expire_older(cid, self.now() - timedelta(days=days))
            if channel is not None and channel.retention_bytes is not None:
                by_quota += await self._enforce_quota(cid, channel.retention_bytes)
        by_floor, under = await self._keep_floor(ids)
        await self._pause_or_resume(under)
        report = RetentionReport(by_age, by_quota, by_floor, self.recorder.paused)
        if by_age or by_quota or by_floor:
            log.info(
                "archive.retention",
                by_age=by_age,
                by_quota=by_quota,
                by_floor=by_floor,
                paused=report.paused,
            )
        return report

    async def expire_deleted(self) -> int:
        """Only the kept archives of deleted channels (rows filed under ``-channel_id``) past
        the default age, sparing kept spans: a fleet's pass, made by its retention leader
        (each worker expires the channels it runs)."""
        self._kept_now = KeptSpans(await self.kept.kept_spans() if self.kept else ())
        cutoff = self.now() - timedelta(days=DEFAULT_RETENTION_DAYS)
        deleted = 0
        for cid in await self.index.channel_ids():
            if cid < 0:
                deleted += await self._expire_older(cid, cutoff)
        if deleted:
            log.info("archive.retention", deleted_channels=deleted)
        return deleted

    def floor_bytes(self, total: int) -> int:
        s = self.settings
        return int(max(s.archive_min_free_gb * GB, s.archive_min_free_percent / 100 * total))

    async def _stored_channel_ids(self) -> list[int]:
        now = self.now()
        if self._stored_read_at is None or now - self._stored_read_at >= STORED_IDS_REFRESH:
            self._stored_ids = await self.index.channel_ids()
            self._stored_read_at = now
        return self._stored_ids

    async def _expire_older(self, channel_id: int, cutoff: datetime) -> int:
        deleted = 0
        after: ArchivedSegment | None = None
        for _ in range(MAX_BATCHES):
            batch = await self.index.oldest(channel_id, BATCH, before=cutoff, after=after)
            gone = [s for s in batch if not self.keeps(s)]
            await self._delete(gone)
            deleted += len(gone)
            if len(batch) < BATCH:
                break
            after = batch[-1]
        return deleted

    async def _enforce_quota(self, channel_id: int, quota: int) -> int:
        excess = await self.index.total_bytes(channel_id) - quota
        deleted = 0
        after: ArchivedSegment | None = None
        for _ in range(MAX_BATCHES):
            if excess <= 0:
                break
            batch = await self.index.oldest(channel_id, BATCH, after=after)
            gone: list[ArchivedSegment] = []
            for segment in batch:
                if excess <= 0:
                    break
                if self.keeps(segment):
                    continue
                gone.append(segment)
                excess -= segment.bytes
            await self._delete(gone)
            deleted += len(gone)
            if len(batch) < BATCH:
                break
            after = batch[-1]
        return deleted

    async def _keep_floor(self, ids: Sequence[int]) -> tuple[int, bool]:
        """Delete the oldest unkept segments of any channel while free space is under the
        floor; returns how many went and whether it is still under."""
        deleted = 0
        read_to: dict[int, ArchivedSegment | None] = dict.fromkeys(ids)
        for _ in range(MAX_BATCHES * BATCH // FLOOR_BATCH):
            free, total = self.free_space(self.recorder.root)
            if free >= self.floor_bytes(total):
                return deleted, False
            oldest = await self._oldest_channel(read_to)
            if oldest is None:
                break
            # Only what the bucket does not hold: deleting an uploaded segment frees no disk.
            batch = await self.index.oldest(
                oldest, FLOOR_BATCH, after=read_to[oldest], local_only=True
            )
            gone = [s for s in batch if not self.keeps(s)]
            await self._delete(gone)
            deleted += len(gone)
            read_to[oldest] = batch[-1]
        free, total = self.free_space(self.recorder.root)
        return deleted, free < self.floor_bytes(total)

    async def _oldest_channel(self, read_to: dict[int, ArchivedSegment | None]) -> int | None:
        """The channel whose archive, past what this pass has read of it, starts first (one
        indexed read per channel); channels read to their end drop out."""
        starts = []
        for cid, after in list(read_to.items()):
            first = await self.index.oldest(cid, 1, after=after, local_only=True)
            if first:
                starts.append((first[0].start, cid))
            else:
                del read_to[cid]
        return min(starts)[1] if starts else None

    async def _pause_or_resume(self, under: bool) -> None:
        recorder = self.recorder
        if under and not recorder.paused:
            free, total = self.free_space(recorder.root)
            reason = (
                f"{free / GB:.1f} GB free on the archive's disk, under the floor of "
                f"{self.floor_bytes(total) / GB:.1f} GB"
            )
            recorder.paused = True
            log.error("archive.recording_paused", reason=reason)
            if self.alerts is not None:
                await self.alerts.archive_space_low(reason)
        elif not under and recorder.paused:
            recorder.paused = False
            log.info("archive.recording_resumed")
            if self.alerts is not None:
                await self.alerts.archive_space_ok()

    async def _delete(self, segments: Sequence[ArchivedSegment]) -> None:
        """Files first, then their rows: a crash between leaves rows whose files are gone,
        which the next pass deletes again (a missing file is fine)."""
        if not segments:
            return
        root = self.recorder.root
        paths = [s.path for s in segments]
        await asyncio.to_thread(_remove_all, root, paths)
        if self.bucket is not None:
            try:
                await asyncio.to_thread(self.bucket.delete, paths)
            except ObjectStoreError as exc:  # the rows stay: the next pass deletes again
                log.warning("archive.bucket_delete_failed", error=str(exc))
                return
        await self.index.delete([s.id for s in segments if s.id is not None])


def _remove_all(root: Path, paths: Iterable[str]) -> None:
    for path in paths:
        remove_archived(root, path)
