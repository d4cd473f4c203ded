"""The audit log on every backend: entries keep their masked changes, keyset paging walks
every entry once, filters match, and retention deletes only what is old."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from streamfleet.accounts.audit_retention import AuditRetention
from streamfleet.db import migrate
from streamfleet.db.repositories.audit import (
    AuditFilters,
    AuditRepository,
    NewAuditEntry,
)
from streamfleet.db.session import Database, transaction
from streamfleet.domain.audit import AuditCursor, field_changes

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await migrate.upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


def entry(at: datetime, action: str = "channel.update", **fields: object) -> NewAuditEntry:
    return NewAuditEntry(at=at, action=action, **fields)  # type: ignore[arg-type]


async def walk(repository: AuditRepository, filters: AuditFilters, limit: int) -> list[int]:
    ids: list[int] = []
    after: AuditCursor | None = None
    while True:
        page = await repository.list_page(filters, limit=limit, after=after)
        ids.extend(e.id for e in page.items)
        if page.next is None:
            return ids
        after = page.next


async def test_an_entry_is_stored_with_its_actor_address_and_masked_changes(
    database: Database,
) -> None:
    audit = AuditRepository(database.sessions)
    changes = field_changes(
        {"input_url": "rtsp://cam/a", "passphrase": None},
        {"input_url": "rtsp://admin:hunter2@cam/a", "passphrase": "very-secret-phrase"},
    )
    added = await audit.add(
        entry(
            T0,
            actor_user_id=7,
            actor="alice",
            role="operator",
            address="2001:db8::1",
            target_type="channel",
            target_id="12",
            target_name="news-hd",
            changes=changes,
        )
    )
    [stored] = (await audit.list_page(AuditFilters())).items
    assert stored == added
    assert (stored.at, stored.actor, stored.actor_user_id, stored.role) == (
        T0,
        "alice",
        7,
        "operator",
    )
    assert (stored.address, stored.target_type, stored.target_id) == (
        "2001:db8::1",
        "channel",
        "12",
    )
    assert stored.changes == {
        "input_url": ["rtsp://cam/a", "rtsp://***@cam/a"],
        "passphrase": [None, "***"],
    }
    async with transaction(database.sessions) as session:
        raw = (await session.execute(text("SELECT changes FROM audit_events"))).scalar_one()
    assert "hunter2" not in raw
    assert "very-secret-phrase" not in raw


async def test_an_entry_without_actor_or_changes_is_kept_as_such(database: Database) -> None:
    audit = AuditRepository(database.sessions)
    await audit.add(entry(T0, "channel.start"))
    [stored] = (await audit.list_page(AuditFilters())).items
    assert (stored.actor, stored.role, stored.changes) == (None, None, None)


async def test_paging_walks_every_entry_exactly_once_newest_first(database: Database) -> None:
    """Several entries share one timestamp: the id breaks the tie."""
    audit = AuditRepository(database.sessions)
    added = []
    for i in range(23):
        at = T0 + timedelta(seconds=i // 3)  # three entries per instant
        added.append(await audit.add(entry(at, target_id=str(i))))
    expected = [e.id for e in sorted(added, key=lambda e: (e.at, e.id), reverse=True)]
    for limit in (1, 2, 3, 5, 23, 100):
        assert await walk(audit, AuditFilters(), limit) == expected


async def test_entries_added_while_paging_do_not_shift_the_pages(database: Database) -> None:
    audit = AuditRepository(database.sessions)
    first = [await audit.add(entry(T0 + timedelta(seconds=i))) for i in range(4)]
    page = await audit.list_page(AuditFilters(), limit=2)
    await audit.add(entry(T0 + timedelta(seconds=10)))
    rest = await audit.list_page(AuditFilters(), limit=10, after=page.next)
    assert [e.id for e in page.items + rest.items] == [e.id for e in reversed(first)]


async def test_filters_match_actor_action_target_and_time_range(database: Database) -> None:
    audit = AuditRepository(database.sessions)
    a = await audit.add(entry(T0, "channel.create", actor="alice", target_type="channel"))
    b = await audit.add(
        entry(T0 + timedelta(minutes=1), "channel.delete", actor="bob", target_type="channel")
    )
    c = await audit.add(
        entry(
            T0 + timedelta(minutes=2),
            "target.create",
            actor="alice",
            target_type="target",
            target_id="3",
        )
    )

    async def ids(**filters: object) -> list[int]:
        page = await audit.list_page(AuditFilters(**filters))  # type: ignore[arg-type]
        return [e.id for e in page.items]

    assert await ids(actor="alice") == [c.id, a.id]
    assert await ids(action="channel.delete") == [b.id]
    assert await ids(target_type="channel") == [b.id, a.id]
    assert await ids(target_type="target", target_id="3") == [c.id]
    assert await ids(since=T0 + timedelta(minutes=1)) == [c.id, b.id]
    assert await ids(until=T0 + timedelta(minutes=1)) == [a.id]
    assert await ids(actor="nobody") == []


async def test_retention_deletes_only_entries_older_than_the_period(database: Database) -> None:
    audit = AuditRepository(database.sessions)
    now = T0 + timedelta(days=400)
    await audit.add(entry(now - timedelta(days=366)))
    kept = [
        await audit.add(entry(now - timedelta(days=364))),
        await audit.add(entry(now)),
    ]
    retention = AuditRetention(audit, 365, clock=lambda: now)
    assert await retention.prune_once() == 1
    remaining = (await audit.list_page(AuditFilters())).items
    assert sorted(e.id for e in remaining) == sorted(e.id for e in kept)
    assert await retention.prune_once() == 0
