"""The audit log in the database: append an entry, list entries newest first, prune old ones.

Listing pages by keyset on ``(at, id)`` descending (``domain.audit.AuditCursor``):
a page never repeats or skips an entry however many are added meanwhile, and
deep pages cost what the first one does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.audit_models import (
    MAX_ACTOR_LENGTH,
    MAX_ADDRESS_LENGTH,
    MAX_ROLE_LENGTH,
    MAX_TARGET_ID_LENGTH,
    MAX_TARGET_NAME_LENGTH,
    AuditEventRow,
)
from streamfleet.db.session import transaction
from streamfleet.domain.audit import AuditCursor, Changes

MAX_CHANGES_CHARS = 60_000
"""Changes whose JSON is longer are stored as the list of changed field names alone
(MySQL's ``TEXT`` holds 64 KiB)."""


@dataclass(frozen=True, slots=True)
class NewAuditEntry:
    """One action to record; ``changes`` already masked (``domain.audit.field_changes``)."""

    at: datetime
    action: str
    actor_user_id: int | None = None
    actor: str | None = None
    role: str | None = None
    address: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    target_name: str | None = None
    changes: Changes | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_user_id: int | None
    actor: str | None
    role: str | None
    address: str | None
    action: str
    target_type: str | None
    target_id: str | None
    target_name: str | None
    changes: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    """Inclusive."""
    until: datetime | None = None
    """Exclusive."""


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditEntry]
    next: AuditCursor | None
    """Where the next page starts; ``None`` on the last page."""


class AuditRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, entry: NewAuditEntry) -> AuditEntry:
        row = AuditEventRow(
            at=entry.at,
            action=entry.action,
            actor_user_id=entry.actor_user_id,
            actor=_cut(entry.actor, MAX_ACTOR_LENGTH),
            role=_cut(entry.role, MAX_ROLE_LENGTH),
            address=_cut(entry.address, MAX_ADDRESS_LENGTH),
            target_type=entry.target_type,
            target_id=_cut(entry.target_id, MAX_TARGET_ID_LENGTH),
            target_name=_cut(entry.target_name, MAX_TARGET_NAME_LENGTH),
            changes=_changes_text(entry.changes),
        )
        async with transaction(self._sessions) as session:
            session.add(row)
            await session.flush()
            return _entry(row)

    async def list_page(
        self, filters: AuditFilters, *, limit: int = 100, after: AuditCursor | None = None
    ) -> AuditPage:
        """Entries newest first, at most ``limit``, strictly older than ``after``."""
        conditions = _conditions(filters)
        if after is not None:
            conditions.append(
                or_(
                    AuditEventRow.at < after.at,
                    and_(AuditEventRow.at == after.at, AuditEventRow.id < after.id),
                )
            )
        async with transaction(self._sessions) as session:
            rows = list(
                await session.scalars(
                    select(AuditEventRow)
                    .where(*conditions)
                    .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
                    .limit(limit + 1)
                )
            )
        items = [_entry(row) for row in rows[:limit]]
        more = len(rows) > limit
        return AuditPage(items, AuditCursor(items[-1].at, items[-1].id) if more else None)

    async def delete_before(self, cutoff: datetime) -> int:
        """Delete the entries older than ``cutoff``; how many went."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                delete(AuditEventRow)
                .where(AuditEventRow.at < cutoff)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)


def _conditions(filters: AuditFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.actor is not None:
        conditions.append(AuditEventRow.actor == filters.actor)
    if filters.action is not None:
        conditions.append(AuditEventRow.action == filters.action)
    if filters.target_type is not None:
        conditions.append(AuditEventRow.target_type == filters.target_type)
    if filters.target_id is not None:
        conditions.append(AuditEventRow.target_id == filters.target_id)
    if filters.since is not None:
        conditions.append(AuditEventRow.at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditEventRow.at < filters.until)
    return conditions


def _changes_text(changes: Changes | None) -> str | None:
    if changes is None:
        return None
    text = json.dumps(changes, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) > MAX_CHANGES_CHARS:
        text = json.dumps({"fields_changed": [None, sorted(changes)]}, separators=(",", ":"))
    return text


def _entry(row: AuditEventRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_user_id=row.actor_user_id,
        actor=row.actor,
        role=row.role,
        address=row.address,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        target_name=row.target_name,
        changes=_parsed(row.changes),
    )


def _parsed(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return {"unreadable": [None, text[:200]]}
    return value if isinstance(value, dict) else {"unreadable": [None, str(value)[:200]]}


def _cut(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]
