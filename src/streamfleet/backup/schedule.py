"""Scheduled backups in ``serve``: one every ``backup_interval_s``, pruned by the retention policy.

Each run writes ``<backup_dir>/streamfleet-<UTC time>/`` (see ``snapshot.py``),
then removes the backups the policy no longer keeps and any unfinished one (no
manifest) older than the newest finished backup. The outcome of the last run
is kept in ``status`` for ``/metrics``. The clock is injected for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from streamfleet.backup.manifest import MANIFEST_FILE
from streamfleet.backup.retention import RetentionPolicy, backup_name, taken_at, to_keep
from streamfleet.backup.store import DirectoryStore
from streamfleet.config import Settings
from streamfleet.db.base import utc_now
from streamfleet.domain.errors import StreamfleetError

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class BackupRun:
    """The outcome of one scheduled backup."""

    at: datetime
    ok: bool
    seconds: float
    bytes: int = 0
    location: str = ""
    error: str = ""


@dataclass(slots=True)
class ScheduleStatus:
    last: BackupRun | None = None
    last_success: BackupRun | None = None
    failures: int = 0


class BackupSchedule:
    """Writes a backup every interval and prunes old ones; ``start()``/``stop()`` in serve."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self.root = settings.resolved_backup_dir
        self.interval_s = settings.backup_interval_s
        self.policy = RetentionPolicy(
            keep_all=timedelta(days=settings.backup_keep_all_days),
            keep_daily=timedelta(days=settings.backup_keep_daily_days),
        )
        self.status = ScheduleStatus()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="backup-schedule")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> BackupRun:
        """Write one backup now, record its outcome, prune; never raises for a failed backup."""
        # Imported here: serve loads the snapshot code (and cryptography) only when it backs up.
        from streamfleet.backup.snapshot import write_backup

        at = self._clock()
        started = time.monotonic()
        store = DirectoryStore(self.root / backup_name(at))
        try:
            result = await write_backup(self._settings, store)
        except (StreamfleetError, OSError) as exc:
            run = BackupRun(at, ok=False, seconds=time.monotonic() - started, error=str(exc))
            self.status.failures += 1
            log.error("backup.failed", location=str(store.root), error=str(exc))
        else:
            run = BackupRun(
                at,
                ok=True,
                seconds=result.seconds,
                bytes=result.total_bytes,
                location=result.location,
            )
            self.status.last_success = run
        self.status.last = run
        await asyncio.to_thread(self.prune, at)
        return run

    def prune(self, now: datetime) -> list[Path]:
        """Remove the backups the policy does not keep at ``now``; returns what was removed."""
        finished: dict[datetime, Path] = {}
        unfinished: dict[datetime, Path] = {}
        if not self.root.is_dir():
            return []
        for path in self.root.iterdir():
            moment = taken_at(path.name)
            if moment is None or not path.is_dir():
                continue  # not ours: leave it
            (finished if (path / MANIFEST_FILE).is_file() else unfinished)[moment] = path
        keep = to_keep(finished, now, self.policy)
        newest = max(finished, default=None)
        doomed = [path for moment, path in finished.items() if moment not in keep]
        doomed += [path for moment, path in unfinished.items() if newest and moment < newest]
        for path in doomed:
            shutil.rmtree(path, ignore_errors=True)
            log.info("backup.pruned", location=str(path))
        return sorted(doomed)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.run_once()
