"""Archived segments older than ``archive_upload_after_s`` go to the bucket (``archive_to_s3``).

A pass every ``archive_upload_interval_s``: for each channel, the oldest segments the bucket does
not hold yet (``in_bucket`` false, from the index on ``(channel_id, in_bucket, start)``)
that started before the cutoff, in batches, uploaded one by one from a thread of its own
with their MD5 checked by the store (botocore retries each upload with backoff). Then
their rows are marked ``in_bucket`` and, unless ``archive_keep_local``, their local files
removed; in that order, so a crash leaves at worst a local file of an uploaded segment
(uploaded again, or removed, at the next pass), never a row whose segment is nowhere.

A pass that fails (the store away or refusing) stops at the failing segment, logs it and
waits twice as long before the next one, up to ``MAX_PAUSE_S``. Archives of deleted
channels kept with ``?keep_archive=true`` stay on disk.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Protocol, TypeVar

import structlog

from streamfleet.config import Settings
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.domain.archive import ArchivedSegment
from streamfleet.domain.channel import Channel
from streamfleet.engine.archive_reads import OldestSegments
from streamfleet.storage.archive_bucket import ArchiveBucket
from streamfleet.storage.archive_files import remove_archived
from streamfleet.storage.object_store import ObjectStoreError

log = structlog.get_logger()

T = TypeVar("T")

MAX_PAUSE_S: Final = 300.0
BATCH: Final = 200
"""Segments per index read; a pass takes at most ``MAX_BATCHES`` of them per channel."""
MAX_BATCHES: Final = 50


class UploadIndex(OldestSegments, Protocol):
    async def mark_in_bucket(self, ids: list[int]) -> None: ...

    async def delete(self, ids: list[int]) -> None: ...


@dataclass(frozen=True, slots=True)
class UploadReport:
    uploaded: int
    failed: bool


class ArchiveUploader:
    def __init__(
        self,
        settings: Settings,
        index: UploadIndex,
        bucket: ArchiveBucket,
        root: Path,
        channels: Callable[[], Iterable[Channel]],
        *,
        now: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.index = index
        self.bucket = bucket
        self.root = root
        self.channels = channels
        self.now = now
        self.uploaded = 0
        self._executor = _uploads_thread()

    async def run(self) -> None:
        """A pass now, then every ``archive_upload_interval_s`` (longer after failures), until
        cancelled."""
        interval = self.settings.archive_upload_interval_s
        pause = interval
        # A thread of its own per run: a run that ended (``keep_running`` starts another)
        # shut the previous one down.
        self._executor = _uploads_thread()
        try:
            while True:
                report = await self.run_once()
                pause = min(pause * 2, MAX_PAUSE_S) if report.failed else interval
                await asyncio.sleep(pause)
        finally:
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def run_once(self) -> UploadReport:
        cutoff = self.now() - timedelta(seconds=self.settings.archive_upload_after_s)
        total = 0
        for channel in list(self.channels()):
            try:
                done, failed = await self._upload_channel(channel, cutoff)
            except DatabaseUnavailable as exc:
                log.warning("archive.upload_index_unavailable", error=str(exc))
                return UploadReport(total, True)
            total += done
            if failed:
                return UploadReport(total, True)
        if total:
            log.info("archive.uploaded", segments=total)
        return UploadReport(total, False)

    async def _upload_channel(self, channel: Channel, cutoff: datetime) -> tuple[int, bool]:
        done = 0
        for _ in range(MAX_BATCHES):
            batch = await self.index.oldest(channel.id, BATCH, before=cutoff, local_only=True)
            uploaded, missing, failed = await self._upload(batch)
            if missing:  # its file is gone, so is the segment: the row goes too
                await self.index.delete([s.id for s in missing if s.id is not None])
            if uploaded:
                await self.index.mark_in_bucket([s.id for s in uploaded if s.id is not None])
                if not self.settings.archive_keep_local:
                    paths = [s.path for s in uploaded]
                    await self._in_thread(functools.partial(_remove_all, self.root, paths))
                done += len(uploaded)
                self.uploaded += len(uploaded)
            if failed or len(batch) < BATCH:
                return done, failed
        return done, False

    async def _upload(
        self, batch: list[ArchivedSegment]
    ) -> tuple[list[ArchivedSegment], list[ArchivedSegment], bool]:
        """The segments uploaded, those whose file is gone, and whether an upload failed."""
        uploaded: list[ArchivedSegment] = []
        missing: list[ArchivedSegment] = []
        for segment in batch:
            try:
                upload = functools.partial(self.bucket.upload, self.root, segment.path)
                await self._in_thread(upload)
            except FileNotFoundError:
                # Gone from the disk before it was uploaded (removed by hand): left as it
                # is, its row would stay at the head of every pass.
                log.warning("archive.upload_file_missing", path=segment.path)
                missing.append(segment)
                continue
            except (OSError, ObjectStoreError) as exc:
                log.warning("archive.upload_failed", path=segment.path, error=str(exc))
                return uploaded, missing, True
            uploaded.append(segment)
        return uploaded, missing, False

    async def _in_thread(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)


def _uploads_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-upload")


def _remove_all(root: Path, paths: Iterable[str]) -> None:
    for path in paths:
        remove_archived(root, path)
