"""Rows in every table, for backup and restore tests, and a way to read a database back whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, inspect, select

from streamfleet.backup.tables import model_tables
from streamfleet.db import migrate
from streamfleet.db.account_models import ApiTokenRow, SessionRow, UserRow
from streamfleet.db.alert_models import (
    AlertRow,
    NotificationAttemptRow,
    NotificationRow,
    NotificationTargetRow,
)
from streamfleet.db.archive_models import ArchiveSegmentRow
from streamfleet.db.audit_models import AuditEventRow
from streamfleet.db.export_models import ArchiveLockRow
from streamfleet.db.models import ChannelEventRow, ChannelRow
from streamfleet.db.session import Database

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
TARGET_SECRET = "target-secret-9f2c"
STREAM_PASSPHRASE = "srt-passphrase-77aa"


def channel_row(number: int, **overrides: Any) -> ChannelRow:
    return ChannelRow(**channel_values(number, **overrides))


def channel_values(number: int, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "slug": f"channel-{number}",
        "name": f"Channel {number}",
        "input_url": f"udp://127.0.0.1:{20000 + number}",
        "backup_url": None,
        "tags": ["news", f"group {number % 3}"],
        "enabled": number % 2 == 0,
        "ingest_mode": "pull",
        "listen_port": None,
        "passphrase": None,
        "profile": "copy",
        "hls_segment_seconds": None,
        "hls_list_size": None,
        "recording": False,
        "retention_days": 7,
        "thumbnail_interval_s": 10,
        "offline_grace_s": 10,
        "content_checks": [],
        "created_at": T0,
        "updated_at": T0 + timedelta(seconds=number),
        "status": "stopped",
        "status_since": None,
        "status_reason": "",
    }
    values.update(overrides)
    return values


async def seed_every_table(url: str, *, revision: str = "head") -> None:
    """Migrate ``url`` to ``revision`` and put rows (odd values included) in each of its tables."""
    database = Database(url)
    try:
        await migrate.upgrade(database, revision)
        async with database.sessions() as session, session.begin():
            # Through the table, with the columns this revision has (an older one lacks some).
            columns = await session.run_sync(
                lambda sync: {c["name"] for c in inspect(sync.connection()).get_columns("channels")}
            )
            channels = [
                channel_values(
                    1, name="Ünïcode 📺 «quoted» \u2028 \x85", status="online", status_since=T0
                ),
                channel_values(
                    2,
                    ingest_mode="listen_srt",
                    input_url="srt://0.0.0.0:10001?mode=listener",
                    listen_port=10001,
                    passphrase=STREAM_PASSPHRASE,
                    hls_segment_seconds=1.5,
                    hls_list_size=8,
                    recording=True,
                    content_checks=["black", "silence"],
                    backup_url="http://user:pw@127.0.0.1:9/backup.m3u8",
                ),
                channel_values(3, tags=[], status="error", status_reason="x" * 1000),
            ]
            for values in channels:
                kept = {key: value for key, value in values.items() if key in columns}
                await session.execute(insert(ChannelRow.__table__), kept)
            await session.flush()
            session.add_all(
                [
                    ChannelEventRow(
                        channel_id=1 + i % 3,
                        at=T0 + timedelta(microseconds=i),
                        type="status",
                        from_status="starting",
                        to_status="online",
                        reason=f"reason {i}",
                        worker="worker-a",
                        data={"n": i, "nested": {"list": [1, 2.5, None, "ü"]}},
                    )
                    for i in range(25)
                ]
            )
            if revision != "0001":
                await _seed_alerting(session)
            if revision not in ("0001", "0002"):
                await _seed_accounts(session)
            if revision not in ("0001", "0002", "0003"):
                _seed_audit(session)
            if revision not in ("0001", "0002", "0003", "0004"):
                _seed_archive(session)
            if revision not in ("0001", "0002", "0003", "0004", "0005", "0006"):
                _seed_locks(session)
    finally:
        await database.dispose()


async def _seed_accounts(session: Any) -> None:
    """Users and API tokens (backed up), and a session (not: a restore logs everyone out)."""
    users = [
        UserRow(
            username=name,
            password_hash=f"$argon2id$v=19$m=8,t=1,p=1${name}",
            role=role,
            disabled=name == "gone",
            created_at=T0,
            updated_at=T0,
        )
        for name, role in (("admin", "admin"), ("ops", "operator"), ("gone", "viewer"))
    ]
    session.add_all(users)
    await session.flush()
    session.add(
        ApiTokenRow(
            user_id=users[1].id,
            name="grafana",
            kind="personal",
            role="viewer",
            secret_hash="ab" * 32,
            hint="wxyz",
            created_at=T0,
            expires_at=T0 + timedelta(days=365),
            last_used_at=None,
            revoked_at=None,
        )
    )
    session.add(
        SessionRow(
            user_id=users[0].id,
            secret_hash="cd" * 32,
            created_at=T0,
            last_seen_at=T0,
            expires_at=T0 + timedelta(days=7),
            client_address="127.0.0.1",
        )
    )


async def _seed_alerting(session: Any) -> None:
    target = NotificationTargetRow(
        name="ops webhook",
        kind="webhook",
        url="http://127.0.0.1:9/hook",
        secret=TARGET_SECRET,
        filters={"severity": ["critical"], "tags": ["news"]},
        enabled=True,
        created_at=T0,
        updated_at=T0,
    )
    session.add(target)
    alerts = [
        AlertRow(
            channel_id=1,
            subject="channel-1",
            rule="offline",
            severity="critical",
            summary="Channel 1 is offline",
            started_at=T0,
            ended_at=T0 + timedelta(minutes=3),
            acknowledged_by="ana",
            acknowledged_at=T0 + timedelta(minutes=1),
            notified=True,
            data={"reason": "no progress"},
        ),
        AlertRow(
            channel_id=None,
            subject="worker:edge-1",
            rule="worker_down",
            severity="warning",
            started_at=T0,
            ended_at=None,
            notified=False,
            data={},
        ),
    ]
    session.add_all(alerts)
    await session.flush()
    notification = NotificationRow(
        target_id=target.id,
        event="opened",
        alert_ids=[a.id for a in alerts],
        payload={"title": "2 alerts", "text": "…", "alerts": [{"id": alerts[0].id}]},
        state="failed",
        attempts=2,
        max_attempts=3,
        last_error="HTTP 500",
        next_attempt_at=T0 + timedelta(seconds=4),
        locked_until=None,
        created_at=T0,
        delivered_at=None,
    )
    session.add(notification)
    await session.flush()
    session.add_all(
        [
            NotificationAttemptRow(
                notification_id=notification.id, at=T0, ok=False, error="HTTP 500", status_code=500
            ),
            NotificationAttemptRow(
                notification_id=notification.id, at=T0, ok=False, error="timeout", status_code=None
            ),
        ]
    )


def _seed_audit(session: Any) -> None:
    session.add_all(
        [
            AuditEventRow(
                at=T0 + timedelta(microseconds=i),
                actor_user_id=1 if i % 2 else None,
                actor="ana" if i % 2 else None,
                role="admin" if i % 2 else None,
                address="2001:db8::7",
                action="channel.update",
                target_type="channel",
                target_id=str(1 + i % 3),
                target_name="Ünïcode 📺",
                changes='{"name":["a","b 📺"],"passphrase":["***","***"]}',
            )
            for i in range(5)
        ]
    )


def _seed_archive(session: Any) -> None:
    """Archive index rows: millisecond starts, a segment over 4 GiB, a kept deleted channel."""
    session.add_all(
        [
            ArchiveSegmentRow(
                channel_id=2 if i < 4 else 99,
                start=T0 + timedelta(milliseconds=2001 * i),
                duration_s=2.002,
                bytes=5_000_000_000 if i == 0 else 750_123 + i,
                path=f"channel-2/2026-01-02/03/a1767322800000_{i:06d}.ts",
            )
            for i in range(5)
        ]
    )


def _seed_locks(session: Any) -> None:
    """Locked ranges: one of a kept deleted channel, a reason in every script."""
    session.add_all(
        [
            ArchiveLockRow(
                channel_id=channel_id,
                start=T0 + timedelta(milliseconds=1),
                end=T0 + timedelta(days=30),
                reason=reason,
                created_by=None if channel_id == 99 else "admin",
                created_at=T0,
            )
            for channel_id, reason in ((2, "Ünïcode 📺 «incident»"), (99, ""))
        ]
    )


async def table_contents(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every streamfleet table that exists in ``url``, ordered by primary key."""
    database = Database(url)
    contents: dict[str, list[dict[str, Any]]] = {}
    try:
        async with database.engine.connect() as conn:
            for table in model_tables():
                if not await conn.run_sync(lambda c, name=table.name: c.dialect.has_table(c, name)):
                    continue
                present = await conn.run_sync(
                    lambda c, name=table.name: {col["name"] for col in inspect(c).get_columns(name)}
                )
                # The columns this database's revision has (an older one lacks later columns).
                columns = [column for column in table.columns if column.name in present]
                query = select(*columns).order_by(*table.primary_key.columns)
                contents[table.name] = [dict(r) for r in (await conn.execute(query)).mappings()]
    finally:
        await database.dispose()
    return contents


async def table_names(url: str) -> set[str]:
    """Every table in ``url`` (``alembic_version`` too): empty when nothing was ever written."""
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await database.dispose()
