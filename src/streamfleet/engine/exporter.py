"""The export runner: remuxes queued MP4 exports, one FFmpeg per part, and removes old ones.

    runner = ExportRunner(settings, jobs, archive, spawner, now=utc_now)
    await runner.start()     # running jobs of a stopped server -> failed; orphan files removed
    runner.wake()            # a job was queued: claim queued jobs up to export_max_running now
    ...                      # (and every poll_interval_s without being woken)
    await runner.stop()      # FFmpeg children stopped; their jobs fail at the next start

The API only inserts ``queued`` rows (``POST /channels/{id}/exports``); whoever runs this
module claims them from the database (``ExportRepository.claim_next``), so in a fleet the
leader of the ``exports`` job can run it unchanged. The process that queued a job wakes its
own runner (``EngineControl.exports_queued``); a runner that is not woken looks every
``poll_interval_s``: ``IDLE_POLL_S`` where every job is queued through its own process
(``serve``), ``POLL_INTERVAL_S`` on a fleet, whose API nodes queue jobs for the leader's
runner. Each part is one FFmpeg copying its
segments (``media/export_args.py``) into ``part-<n>.mp4.partial``, renamed once FFmpeg
succeeded; progress is the media time written (``-progress``'s ``out_time``) over the
job's length, stored at most once a second. A part whose FFmpeg shows no progress for
``STALL_TIMEOUT_S`` (plus the time ``+faststart`` may take to rewrite it) is stopped and its
job fails. Jobs ended more than
``export_keep_hours`` ago go with their files (checked every ``EXPIRE_INTERVAL_S``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import structlog

from streamfleet.background import keep_running
from streamfleet.config import Settings
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.domain.archive import rendition_of
from streamfleet.domain.archive_span import MAX_SPAN_SEGMENTS
from streamfleet.domain.exports import ExportJob, ExportPart, best_rendition, progress_of
from streamfleet.engine.process import Child, Spawner
from streamfleet.media.export_args import concat_list, export_args
from streamfleet.media.progress import ProgressParser
from streamfleet.storage.archive_bucket import ArchiveBucket
from streamfleet.storage.export_files import (
    job_dir,
    part_path,
    partial_path,
    remove_job_files,
    remove_orphans,
)
from streamfleet.storage.object_store import ObjectStoreError

log = structlog.get_logger()

POLL_INTERVAL_S: Final = 1.0
"""How often queued jobs are looked for where other processes queue them (a fleet)."""
IDLE_POLL_S: Final = 60.0
"""How often a runner that is woken for every job looks anyway (``serve``): a query a second
cost ``serve`` 0.2 % of a core while nothing was queued."""
EXPIRE_INTERVAL_S: Final = 60.0
STALL_TIMEOUT_S: Final = 60.0
"""A part's FFmpeg silent this long (plus ``FASTSTART_GRACE_S_PER_BYTE`` of its size) is
stopped: a copy from disk reports every half second."""
FASTSTART_GRACE_S_PER_BYTE: Final = 1 / 10_000_000
"""At its end ``+faststart`` rewrites the whole file to move ``moov`` first, reporting nothing
meanwhile: allowed at 10 MB/s (measured ~29 MB/s on a loaded 2-core box), 24 h of a 3 Mb/s
channel (32 GB) gets 53 minutes."""
PROGRESS_WRITE_S: Final = 1.0
STOP_TIMEOUT_S: Final = 5.0
STDERR_LINES: Final = 5
INTERRUPTED: Final = "interrupted: the server stopped during the export"


class ExportFailed(Exception):
    """A part could not be written; the message goes to the job's ``error``."""


class ExportRunner:
    def __init__(
        self,
        settings: Settings,
        jobs: ExportRepository,
        archive: ArchiveRepository,
        spawner: Spawner,
        *,
        now: Callable[[], datetime],
        bucket: ArchiveBucket | None = None,
        poll_interval_s: float = POLL_INTERVAL_S,
    ) -> None:
        self.settings = settings
        self.poll_interval_s = poll_interval_s
        """How long the runner waits for a ``wake()`` before it looks for queued jobs anyway."""
        self._wake = asyncio.Event()
        self.bucket = bucket
        """Where segments no longer on the disk are read from (``archive_to_s3``)."""
        self.jobs = jobs
        self.archive = archive
        self.spawner = spawner
        self.now = now
        self.root = settings.exports_dir
        self._running: dict[int, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None
        self._expired_at = 0.0

    async def start(self) -> None:
        failed = await self.jobs.fail_running(INTERRUPTED, self.now())
        for job_id in failed:
            remove_job_files(self.root, job_id)
        if failed:
            log.warning("export.interrupted", jobs=failed)
        orphans = await asyncio.to_thread(remove_orphans, self.root, await self.jobs.ids())
        if orphans:
            log.info("export.orphans_removed", folders=orphans)
        self._loop = asyncio.create_task(
            keep_running("export-runner", self._run), name="export-runner"
        )

    async def stop(self) -> None:
        tasks = [t for t in (self._loop, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._running.clear()

    def wake(self) -> None:
        """A job was queued (or a running one ended): look for queued jobs now."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.tick()
            except (DatabaseUnavailable, OSError) as exc:  # the next tick tries again
                log.warning("export.runner_failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)

    async def tick(self) -> None:
        """Expire old jobs (every ``EXPIRE_INTERVAL_S``), then start queued ones up to the limit."""
        if time.monotonic() - self._expired_at >= EXPIRE_INTERVAL_S:
            await self.expire()
            self._expired_at = time.monotonic()
        while len(self._running) < self.settings.export_max_running:
            job = await self.jobs.claim_next()
            if job is None:
                return
            task = asyncio.create_task(self._export(job), name=f"export-{job.id}")
            self._running[job.id] = task
            task.add_done_callback(functools.partial(self._ended, job.id))

    def _ended(self, job_id: int, _task: asyncio.Task[None]) -> None:
        self._running.pop(job_id, None)
        self.wake()  # a place is free for a queued job

    async def expire(self) -> list[int]:
        """Remove the jobs (and files) that ended over ``export_keep_hours`` ago."""
        cutoff = self.now() - timedelta(hours=self.settings.export_keep_hours)
        ids = await self.jobs.ended_before(cutoff)
        for job_id in ids:
            await asyncio.to_thread(remove_job_files, self.root, job_id)
        await self.jobs.delete(ids)
        if ids:
            log.info("export.expired", jobs=ids)
        return ids

    async def _export(self, job: ExportJob) -> None:
        log.info("export.started", job=job.id, channel=job.channel_slug, parts=len(job.parts))
        started = time.monotonic()
        try:
            written = await self._write_parts(job)
        except (ExportFailed, OSError) as exc:
            remove_job_files(self.root, job.id)
            log.warning("export.failed", job=job.id, error=str(exc))
            with contextlib.suppress(DatabaseUnavailable):
                await self.jobs.fail(job.id, str(exc), self.now())
            return
        try:
            await self.jobs.finish(job.id, written, self.now())
        except DatabaseUnavailable as exc:  # left running: the next start fails it
            log.warning("export.unsaved", job=job.id, error=str(exc))
            return
        log.info(
            "export.done",
            job=job.id,
            bytes=sum(p.bytes for p in written),
            seconds=round(time.monotonic() - started, 2),
        )

    async def _write_parts(self, job: ExportJob) -> list[ExportPart]:
        total_s = sum((p.end - p.start).total_seconds() for p in job.parts)
        done_s = 0.0
        written = []
        job_dir(self.root, job.id).mkdir(parents=True, exist_ok=True)
        for part in job.parts:
            size = await self._write_part(
                job, part, functools.partial(_share, done_s=done_s, total_s=total_s)
            )
            written.append(ExportPart(part.index, part.start, part.end, size))
            done_s += (part.end - part.start).total_seconds()
        return written

    def _local_copies(self, relatives: list[str], folder: Path) -> list[Path]:
        """The segments' files: in the archive, or (uploaded, ``archive_to_s3``) downloaded
        from the bucket into the job's folder, removed with it."""
        archive = self.settings.archive_dir
        paths = []
        for n, relative in enumerate(relatives):
            local = archive / relative
            if not local.is_file() and self.bucket is not None:
                local = folder / f"bucket-{n:06d}{Path(relative).suffix}"
                try:
                    self.bucket.download(relative, local)
                except ObjectStoreError as exc:
                    raise ExportFailed(f"{relative}: not readable from the bucket: {exc}") from exc
            paths.append(local)
        return paths

    async def _write_part(
        self, job: ExportJob, part: ExportPart, progress: Callable[[float], float]
    ) -> int:
        segments = await self.archive.between(
            job.channel_id, part.start, part.end, MAX_SPAN_SEGMENTS
        )
        chosen = best_rendition(segments)
        chosen_paths = [s.path for s in segments if rendition_of(s.path) == chosen]
        if not chosen_paths:
            raise ExportFailed(f"part {part.index}: the archive no longer holds this span")
        final = part_path(self.root, job.id, part.index)
        paths = await asyncio.to_thread(self._local_copies, chosen_paths, final.parent)
        list_file = final.with_suffix(".txt")
        list_file.write_text(concat_list(p.resolve() for p in paths))
        partial = partial_path(final)
        duration_s = (part.end - part.start).total_seconds()
        argv = export_args(self.settings.resolved_ffmpeg_path(), list_file, partial, duration_s)
        stall_s = STALL_TIMEOUT_S + sum(s.bytes for s in segments) * FASTSTART_GRACE_S_PER_BYTE
        child = await self.spawner.spawn(argv)
        try:
            errors = await self._follow(job.id, child, progress, stall_s)
        finally:
            if child.returncode is None:
                await child.stop(STOP_TIMEOUT_S)
            list_file.unlink(missing_ok=True)
            for copy in paths:  # the bucket's copies, downloaded for this part
                if copy.parent == final.parent:
                    copy.unlink(missing_ok=True)
        if child.returncode != 0:
            raise ExportFailed(
                f"part {part.index}: FFmpeg exited with {child.returncode}: " + " | ".join(errors)
            )
        partial.rename(final)
        return final.stat().st_size

    async def _follow(
        self, job_id: int, child: Child, progress: Callable[[float], float], stall_s: float
    ) -> list[str]:
        """Read ``-progress`` until FFmpeg ends (storing the job's progress), and the last
        lines of its stderr; stop it when it stalls."""
        assert child.stdout is not None
        assert child.stderr is not None
        errors: deque[str] = deque(maxlen=STDERR_LINES)
        reading = asyncio.create_task(_collect_lines(child.stderr, errors))
        parser = ProgressParser()
        written_at = 0.0
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(child.stdout.read(4096), stall_s)
                except TimeoutError as exc:
                    await child.stop(STOP_TIMEOUT_S)
                    raise ExportFailed(f"FFmpeg showed no progress for {stall_s:.0f} s") from exc
                if not chunk:
                    break
                for block in parser.feed(chunk):
                    now = time.monotonic()
                    if block.out_time_us is not None and now - written_at >= PROGRESS_WRITE_S:
                        written_at = now
                        with contextlib.suppress(DatabaseUnavailable):  # shown late, not lost
                            await self.jobs.set_progress(job_id, progress(block.out_time_us / 1e6))
            try:
                await asyncio.wait_for(child.wait(), STOP_TIMEOUT_S)
                await asyncio.wait_for(reading, STOP_TIMEOUT_S)
            except TimeoutError as exc:
                raise ExportFailed("FFmpeg closed its output but did not exit") from exc
        finally:
            reading.cancel()
        return list(errors)


def _share(part_s: float, *, done_s: float, total_s: float) -> float:
    """The job's progress once ``part_s`` of the current part are written."""
    return progress_of(done_s + part_s, total_s)


async def _collect_lines(stream: asyncio.StreamReader, into: deque[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode(errors="replace").strip())
