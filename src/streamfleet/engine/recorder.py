"""Recording: archive every published segment of a recording channel, index it in batches.

    recorder = ArchiveRecorder(archive_root, index, wall=time.time)
    await recorder.reconcile(channels)     # at start: archive files without an index row go
    task = asyncio.create_task(recorder.run())
    recorder.take(channel, rendition, live_folder, segment)   # the publisher, per new segment
    await recorder.close()                 # the last rows written

``take`` runs on the event loop at each publish: one ``link`` and one ``stat``
(a few µs), no database round trip; the index rows queue up and ``run`` writes
them every ``FLUSH_INTERVAL_S`` in one multi-row insert. A crash between a link and
its insert leaves archive files without a row: ``reconcile`` removes them at the
next start, looking only in each channel's newest ``NEWEST_HOURS_CHECKED`` hour
folders (the only ones being written when the process died), so a start costs two
folder listings and one indexed query per channel, however long the archive.
Retention pauses and resumes recording (``paused``) when the disk runs low.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final, Protocol

import structlog

from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.domain.archive import ArchivedSegment, archive_path, hour_of, segment_start
from streamfleet.domain.channel import Channel
from streamfleet.media.playlist_summary import Segment
from streamfleet.storage.archive_files import (
    files_under,
    link_segment,
    newest_hour_folders,
    remove_archived,
)

log = structlog.get_logger()

FLUSH_INTERVAL_S: Final = 1.0
"""How often queued index rows are written."""
FLUSH_TIMEOUT_S: Final = 10.0
"""How long one batch insert may take before it is tried again at the next flush."""
FLUSH_BATCH: Final = 2_000
"""At most this many rows per insert."""
MAX_PENDING: Final = 100_000
"""Rows waiting for a database that does not answer; past this, new segments are not
archived (their link is removed) until it answers again. ~55 minutes of 60 channels."""


class ArchiveIndex(Protocol):
    """Where archived segments are indexed (``db.repositories.archive.ArchiveRepository``)."""

    async def add(self, segments: Sequence[ArchivedSegment]) -> None: ...

    async def paths_since(self, channel_id: int, start: datetime) -> set[str]: ...


class ArchiveRecorder:
    def __init__(
        self, archive_root: Path, index: ArchiveIndex, *, wall: Callable[[], float]
    ) -> None:
        self.root = archive_root.resolve()
        self.index = index
        self.wall = wall
        self.paused = False
        """Set by retention while free space is under the floor: nothing is archived."""
        self.pending: list[ArchivedSegment] = []
        self.archived = 0
        self.skipped_paused = 0

    def take(self, channel: Channel, rendition: str | None, folder: Path, segment: Segment) -> None:
        """A recording channel published ``segment`` (in ``folder``): link it, queue its row."""
        if self.paused:
            self.skipped_paused += 1
            return
        start = segment_start(segment.program_date_time, self.wall(), segment.duration_s)
        relative = archive_path(channel.slug, start, segment.uri, rendition)
        size = link_segment(folder / segment.uri, self.root, relative)
        if size is None:
            return
        if len(self.pending) >= MAX_PENDING:
            remove_archived(self.root, relative)
            log.warning("archive.index_backlog_full", channel=channel.slug, pending=MAX_PENDING)
            return
        self.pending.append(ArchivedSegment(channel.id, start, segment.duration_s, size, relative))
        self.archived += 1

    async def run(self) -> None:
        """Write the queued rows every ``FLUSH_INTERVAL_S`` until cancelled."""
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            await self.flush()

    async def flush(self) -> None:
        """Write what is queued (in batches); a database that fails keeps the rows queued."""
        while self.pending:
            batch = self.pending[:FLUSH_BATCH]
            try:
                await asyncio.wait_for(self.index.add(batch), FLUSH_TIMEOUT_S)
            except (TimeoutError, DatabaseUnavailable) as exc:
                log.warning("archive.index_not_written", rows=len(batch), error=str(exc))
                return
            del self.pending[: len(batch)]

    async def close(self, task: asyncio.Task[None] | None) -> None:
        """Stop ``task`` (``run``) and write what is left."""
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()

    async def reconcile(self, channels: Iterable[Channel]) -> int:
        """Remove archive files without an index row in each channel's newest hour folders
        (a crash between a link and its insert); returns how many went."""
        removed = 0
        for channel in channels:
            folders = newest_hour_folders(self.root, channel.slug)
            hours = [h for f in folders if (h := hour_of(f)) is not None]
            if not hours:
                continue
            indexed = await self.index.paths_since(channel.id, min(hours))
            indexed.update(s.path for s in self.pending if s.channel_id == channel.id)
            for folder in folders:
                for relative in files_under(self.root, channel.slug, folder):
                    if relative not in indexed:
                        remove_archived(self.root, relative)
                        removed += 1
        if removed:
            log.info("archive.orphans_removed", files=removed)
        return removed
