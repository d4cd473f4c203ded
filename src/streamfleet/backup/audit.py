"""The audit entries of backups and restores: ``backup.create`` and ``backup.restore``.

Each is written after the work, never during it. A backup is the database as it was
when the snapshot began, so its own entry (written once it has finished, or failed)
is not in it and cannot make the copy differ from what was copied. A restore replaces
every table, the audit log included, so its entry goes into the restored database once
the restore is done: the restored history, then "restored from here, by this".

The schedule and the CLI act for no streamfleet user: the entry has no actor, and
``changes`` say where it ran (``via``: ``schedule`` or ``cli``) and what happened (the
location, rows, bytes, ok or the error). An entry that cannot be written (the database
went away) is logged and does not turn a finished backup or restore into a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import structlog
from sqlalchemy.exc import SQLAlchemyError

from streamfleet.db.base import utc_now
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.audit import AuditRepository, NewAuditEntry
from streamfleet.db.session import Database
from streamfleet.domain.audit import AuditAction, field_changes
from streamfleet.domain.url_policy import redact

log = structlog.get_logger()

Via = Literal["schedule", "cli"]


async def record_backup_action(
    audit: AuditRepository,
    action: AuditAction,
    location: str,
    *,
    via: Via,
    facts: Mapping[str, Any],
) -> None:
    """Append the entry of one backup or restore (``facts``: rows, bytes, ok, error…)."""
    shown = redact(location) if "://" in location else location
    entry = NewAuditEntry(
        at=utc_now(),
        action=action.value,
        target_type="backup",
        target_name=shown[:200],
        changes=field_changes(None, {"via": via, **facts}),
    )
    try:
        await audit.add(entry)
    except (DatabaseUnavailable, SQLAlchemyError, OSError) as exc:
        log.warning("backup.audit_failed", action=action.value, error=str(exc))


async def record_in(
    database_url: str,
    action: AuditAction,
    location: str,
    *,
    via: Via,
    facts: Mapping[str, Any],
) -> None:
    """``record_backup_action`` into the database at ``database_url`` (the CLI's)."""
    database = Database(database_url)
    try:
        await record_backup_action(
            AuditRepository(database.sessions), action, location, via=via, facts=facts
        )
    finally:
        await database.dispose()
