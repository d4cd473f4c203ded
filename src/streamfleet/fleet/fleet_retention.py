"""The fleet-wide retention, run by the holder of the ``retention`` leader lease.

A worker's retention expires the channels it runs (their days, quotas and its disk's
floor, honouring locks); what belongs to no worker is pruned here, once for the fleet:

- the audit log, older than ``audit_retention_days`` (``AuditRetention``);
- the kept archives of deleted channels past the default age, sparing locked spans and
  exports' (``ArchiveRetention.expire_deleted``), every ``archive_retention_interval_s``;
- fleet commands (``fleet_commands``): those pending past their action's TTL become
  ``expired`` (their worker is gone or frozen), and rows older than ``KEEP_FINISHED`` are
  deleted, at the same interval.

Export files expire with the export runner (the ``exports`` leader).
"""

from __future__ import annotations

import time

import structlog

from streamfleet.accounts.audit_retention import AuditRetention
from streamfleet.background import Periodic
from streamfleet.config import Settings
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.archive_locks import ArchiveLockRepository
from streamfleet.db.repositories.audit import AuditRepository
from streamfleet.db.repositories.commands import CommandRepository
from streamfleet.db.session import Database
from streamfleet.domain.commands import KEEP_FINISHED
from streamfleet.engine.archive_retention import ArchiveRetention
from streamfleet.engine.context import utc_now
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.storage.archive_bucket import ArchiveBucket

log = structlog.get_logger()


class FleetRetention:
    def __init__(self, settings: Settings, database: Database, audit: AuditRepository) -> None:
        self._audit = AuditRetention(audit, settings.audit_retention_days)
        archive = ArchiveRepository(database.sessions)
        self.archive = ArchiveRetention(
            settings,
            archive,
            ArchiveRecorder(settings.archive_dir, archive, wall=time.time),  # its root only
            tuple,  # no channel runs here
            now=utc_now,
            kept=ArchiveLockRepository(database.sessions),
            bucket=ArchiveBucket.from_settings(settings),
        )
        self._expiring = Periodic(
            "fleet-archive-retention",
            self.archive.expire_deleted,
            interval_s=settings.archive_retention_interval_s,
            expected=(DatabaseUnavailable, OSError),
            failed_event="archive.retention_failed",
        )
        self.commands = CommandRepository(database.sessions)
        self._pruning = Periodic(
            "fleet-command-retention",
            self._prune_commands,
            interval_s=settings.archive_retention_interval_s,
            expected=(DatabaseUnavailable, OSError),
            failed_event="fleet.command_retention_failed",
        )

    def start(self) -> None:
        self._audit.start()
        self._expiring.start()
        self._pruning.start()

    async def stop(self) -> None:
        await self._pruning.stop()
        await self._expiring.stop()
        await self._audit.stop()

    async def _prune_commands(self) -> None:
        now = utc_now()
        expired = await self.commands.expire(now)
        deleted = await self.commands.delete_before(now - KEEP_FINISHED)
        if expired or deleted:
            log.info("fleet.commands_pruned", expired=expired, deleted=deleted)
