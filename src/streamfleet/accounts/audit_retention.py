"""Deletes audit log entries older than ``audit_retention_days``: at start, then every hour.

Every API process runs it (``serve`` and each ``api`` node): the delete is
idempotent, so nodes pruning at the same time only repeat each other. A
failed run (database away) is logged and tried again next time. The clock is
injected for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import structlog

from streamfleet.background import Periodic
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
        self._clock = clock
        self._pruning = Periodic(
            "audit-retention",
            self.prune_once,
            interval_s=interval_s,
            expected=(DatabaseUnavailable,),
            failed_event="audit.prune_failed",
        )
        self.runs = 0
        """How many runs finished (with or without deleting anything)."""

    def start(self) -> None:
        self._pruning.start()

    async def stop(self) -> None:
        await self._pruning.stop()

    async def prune_once(self) -> int:
        """Delete what is older than the retention period; how many entries went."""
        cutoff = self._clock() - self.keep
        deleted = await self._repository.delete_before(cutoff)
        self.runs += 1
        if deleted:
            log.info("audit.pruned", deleted=deleted, before=cutoff.isoformat())
        return deleted
