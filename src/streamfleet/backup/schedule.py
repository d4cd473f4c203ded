"""Scheduled backups in ``serve``: one every ``backup_interval_s``, pruned by the retention policy.

Each run writes ``streamfleet-<UTC time>/`` (see ``snapshot.py``) into the
destination (``backup_dir``, or the bucket with ``backup_to_s3``: see
``destinations.py``), then removes the backups the policy no longer keeps and any
unfinished one (no manifest) older than the newest finished backup, every file
or object of each. The outcome of the last run
is kept in ``status`` for ``/metrics``. A failed run, or a newest backup older
than twice the interval (checked every interval, so a run that hangs is seen
too), opens the ``backup_failed`` alert; a good run resolves it. The clock is
injected for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol, TypeVar

import structlog

from streamfleet.backup.audit import record_backup_action
from streamfleet.backup.destinations import (
    BackupDestination,
    moments,
    scheduled_destination,
)
from streamfleet.backup.retention import RetentionPolicy, backup_name, to_prune
from streamfleet.config import Settings
from streamfleet.db.base import utc_now
from streamfleet.db.repositories.audit import AuditRepository
from streamfleet.domain.audit import AuditAction
from streamfleet.domain.errors import StreamfleetError

T = TypeVar("T")

RETRY_AFTER_S: Final = 300.0
"""After a failed run the next one comes this soon (or at the interval, if that is sooner)."""

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


class BackupAlerts(Protocol):
    """Where the schedule reports trouble (``AlertService`` in serve)."""

    async def backup_failed(self, reason: str) -> None: ...

    async def backup_ok(self) -> None: ...


@dataclass(slots=True)
class ScheduleStatus:
    last: BackupRun | None = None
    last_success: BackupRun | None = None
    failures: int = 0
    running_since: datetime | None = None


class BackupSchedule:
    """Writes a backup every interval and prunes old ones; ``start()``/``stop()`` in serve."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        alerts: BackupAlerts | None = None,
        destination: BackupDestination | None = None,
        audit: AuditRepository | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self.destination = destination or scheduled_destination(settings)
        self.interval_s = settings.backup_interval_s
        self.policy = RetentionPolicy(
            keep_all=timedelta(days=settings.backup_keep_all_days),
            keep_daily=timedelta(days=settings.backup_keep_daily_days),
        )
        self.status = ScheduleStatus()
        self._alerts = alerts
        self._audit = audit
        """Where each run's ``backup.create`` entry goes (``backup/audit.py``), if anywhere."""
        self._since = clock()
        """The reference for "overdue" until a backup succeeds: start, or the newest there."""
        self._scanned = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if self.interval_s <= 0 or self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._loop(), name="backup-schedule"),
            asyncio.create_task(self._watch(), name="backup-overdue-watch"),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check_overdue(self) -> bool:
        """Open the alert when the newest backup is older than twice the interval."""
        if not self._scanned:
            await self._newest_finished()
        newest = self.status.last_success.at if self.status.last_success else self._since
        age = self._clock() - newest
        if age.total_seconds() <= 2 * self.interval_s:
            return False
        reason = f"the newest backup is {int(age.total_seconds())} s old"
        log.warning("backup.overdue", age_s=round(age.total_seconds()), interval_s=self.interval_s)
        if self._alerts is not None:
            await self._alerts.backup_failed(reason)
        return True

    async def run_once(self) -> BackupRun:
        """Write one backup now, record its outcome, prune; never raises for a failed backup."""
        # Imported here: serve loads the snapshot code (and cryptography) only when it backs up.
        from streamfleet.backup.snapshot import write_backup

        at = self._clock()
        started = time.monotonic()
        store = self.destination.store_for(backup_name(at))
        self.status.running_since = at
        try:
            # In a thread with its own event loop: encoding and compressing a large table is
            # seconds of CPU that must not stall serve's loop (its watchdogs would see it).
            result = await in_own_thread(lambda: write_backup(self._settings, store))
        except (StreamfleetError, OSError) as exc:
            run = BackupRun(at, ok=False, seconds=time.monotonic() - started, error=str(exc))
            self.status.failures += 1
            log.error("backup.failed", location=store.describe(), error=str(exc))
            if self._alerts is not None:
                await self._alerts.backup_failed(str(exc))
        else:
            run = BackupRun(
                at,
                ok=True,
                seconds=result.seconds,
                bytes=result.total_bytes,
                location=result.location,
            )
            self.status.last_success = run
            if self._alerts is not None:
                await self._alerts.backup_ok()
        finally:
            self.status.running_since = None
        self.status.last = run
        if self._audit is not None:
            facts = {"ok": run.ok, "bytes": run.bytes, "error": run.error}
            await record_backup_action(
                self._audit,
                AuditAction.BACKUP_CREATE,
                store.describe(),
                via="schedule",
                facts=facts,
            )
        try:
            await asyncio.to_thread(self.prune, at)
        except (StreamfleetError, OSError) as exc:  # unreachable now: pruned at the next run
            log.error("backup.prune_failed", location=self.destination.describe(), error=str(exc))
        return run

    def prune(self, now: datetime) -> list[str]:
        """Remove the backups the policy does not keep at ``now``; returns their names."""
        finished, unfinished = moments(self.destination.scan())
        doomed = to_prune(finished, unfinished, now, self.policy)
        names = sorted({**finished, **unfinished}[moment] for moment in doomed)
        self.destination.remove(names)
        for name in names:
            log.info("backup.pruned", location=self.destination.store_for(name).describe())
        return names

    async def _newest_finished(self) -> None:
        """Take the newest finished backup already there as the last good one (for "overdue")."""
        try:
            finished, _ = moments(await asyncio.to_thread(self.destination.scan))
        except (StreamfleetError, OSError) as exc:
            log.error("backup.scan_failed", location=self.destination.describe(), error=str(exc))
            return
        self._scanned = True
        self._since = max([self._since, *finished], default=self._since)

    def next_delay_s(self) -> float:
        """How long until the next run: the interval, or sooner to retry a failed run."""
        last = self.status.last
        if last is not None and not last.ok:
            return min(self.interval_s, RETRY_AFTER_S)
        return self.interval_s

    async def first_delay_s(self) -> float:
        """How long until the first run: the schedule goes on from the newest finished backup
        there (a restart; in a fleet, another API node taking the schedule over), so it is due
        the interval after that one, and at once when that time has passed."""
        try:
            finished, _ = moments(await asyncio.to_thread(self.destination.scan))
        except (StreamfleetError, OSError):
            return self.interval_s
        if not finished:
            return self.interval_s
        due = max(finished) + timedelta(seconds=self.interval_s)
        return min(self.interval_s, max(0.0, (due - self._clock()).total_seconds()))

    async def _loop(self) -> None:
        await asyncio.sleep(await self.first_delay_s())
        while True:
            await self.run_once()
            await asyncio.sleep(self.next_delay_s())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.check_overdue()


async def in_own_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``work()`` on a new event loop in a new daemon thread and wait for it here.

    Not the default executor: a backup holds its thread for seconds, and serve's short
    file reads share that pool. Daemon, so stopping serve does not wait for a backup
    (an interrupted one has no manifest and is pruned later).
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.done():
            return  # the waiting task was cancelled (serve stopping)
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = asyncio.run(work())
        except BaseException as exc:  # handed to the waiting task, which raises it
            error = exc
        with contextlib.suppress(RuntimeError):  # serve's loop closed meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name="streamfleet-backup", daemon=True).start()
    return await done
