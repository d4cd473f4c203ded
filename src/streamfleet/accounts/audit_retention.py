"""Deletes audit log entries older than ``audit_retention_days``: at start, then every hour.

Every API process runs it (``serve`` and each ``api`` node): the delete is
idempotent, so nodes pruning at the same time only repeat each other. A
failed run (database away) is logged and tried again next time. The clock is
injected for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import structlog

from streamfleet.db.base import utc_now
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.audit import AuditRepository

PRUNE_INTERVAL_S: Final = 3600.0

log = structlog.get_logger()


class AuditRetention:
    """``start()`` / ``stop()`` in the app's lifespan; ``prune_once()`` does one run."""

    def __init__(
        self,
        repository: AuditRepository,
        retention_days: int,
        *,
        interval_s: float = PRUNE_INTERVAL_S,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._repository = repository
        self.keep = timedelta(days=retention_days)
        self._interval_s = interval_s
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        """How many runs finished (with or without deleting anything)."""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="audit-retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def prune_once(self) -> int:
        """Delete what is older than the retention period; how many entries went."""
        cutoff = self._clock() - self.keep
        deleted = await self._repository.delete_before(cutoff)
        self.runs += 1
        if deleted:
            log.info("audit.pruned", deleted=deleted, before=cutoff.isoformat())
        return deleted

    async def _loop(self) -> None:
        while True:
            try:
                await self.prune_once()
            except DatabaseUnavailable as exc:
                log.warning("audit.prune_failed", error=str(exc))
            await asyncio.sleep(self._interval_s)
