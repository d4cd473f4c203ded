"""A backup restores into a new empty database of any engine with every row identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from streamfleet.backup.errors import RestoreRefused
from streamfleet.backup.restore import restore_backup
from streamfleet.backup.snapshot import write_backup
from streamfleet.backup.store import DirectoryStore
from streamfleet.db import migrate
from streamfleet.db.alert_models import AlertRow
from streamfleet.db.models import ChannelEventRow, ChannelRow
from streamfleet.db.session import Database
from tests.support.backup_rows import channel_row, seed_every_table, table_contents
from tests.support.server import settings_for_test

EVERY_TABLE = {
    "channels",
    "channel_events",
    "notification_targets",
    "alerts",
    "notifications",
    "notification_attempts",
    "users",
    "api_tokens",
    "audit_events",
    "archive_segments",
    "archive_locks",
}
"""Every table a backup holds (``sessions`` is not: a restore logs everyone out; nor are the
fleet's coordination tables and ``export_jobs``, whose files a backup does not hold)."""


async def backup_of(database_url: str, folder: Path, **settings: object) -> DirectoryStore:
    store = DirectoryStore(folder / "backup")
    await write_backup(settings_for_test(folder, database_url, **settings), store)
    return store


async def test_a_restore_into_a_new_database_gives_identical_rows(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    await seed_every_table(database_url)
    store = await backup_of(database_url, tmp_path)

    result = await restore_backup(store, empty_url)

    original = await table_contents(database_url)
    assert set(original) == EVERY_TABLE
    assert all(original[name] for name in EVERY_TABLE)
    assert await table_contents(empty_url) == original
    assert result.revision == migrate.head_revision()
    assert result.rows["channel_events"] == 25


async def test_new_rows_after_a_restore_get_fresh_ids(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    await seed_every_table(database_url)
    await restore_backup(await backup_of(database_url, tmp_path), empty_url)

    database = Database(empty_url)
    try:
        async with database.sessions() as session, session.begin():
            channel = channel_row(4)
            event = ChannelEventRow(
                channel_id=1, at=channel.created_at, type="status", reason="", worker="", data={}
            )
            alert = AlertRow(
                subject="channel-4",
                rule="offline",
                severity="critical",
                started_at=channel.created_at,
                data={},
            )
            session.add_all([channel, event, alert])
        assert (channel.id, event.id, alert.id) == (4, 26, 3)
    finally:
        await database.dispose()


async def test_a_sqlite_backup_restores_into_postgresql(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    await seed_every_table(sqlite_url)
    store = await backup_of(sqlite_url, tmp_path)

    await restore_backup(store, postgres_url)

    assert await table_contents(postgres_url) == await table_contents(sqlite_url)


async def test_an_older_backup_is_restored_at_its_revision_then_migrated(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    await seed_every_table(database_url, revision="0001")
    store = await backup_of(database_url, tmp_path)
    assert [t.name for t in (await _manifest_tables(store))] == ["channels", "channel_events"]

    result = await restore_backup(store, empty_url)

    assert result.revision == migrate.head_revision()
    restored = await table_contents(empty_url)
    assert set(restored) == EVERY_TABLE
    original = await table_contents(database_url)
    # Columns added after 0001 come back empty; every other value as it was.
    added = {"retention_bytes": None, "stream_key_sha256": None}
    assert [{**row, **added} for row in original["channels"]] == restored["channels"]
    assert restored["channel_events"] == original["channel_events"]


async def test_an_older_backup_restores_into_an_empty_database_already_at_the_newest_schema(
    sqlite_url: str, tmp_path: Path
) -> None:
    await seed_every_table(sqlite_url, revision="0001")
    store = await backup_of(sqlite_url, tmp_path)
    target = f"sqlite+aiosqlite:///{tmp_path / 'at-head' / 'streamfleet.db'}"
    await migrate.upgrade_url(target)

    result = await restore_backup(store, target)

    assert result.revision == migrate.head_revision()
    assert len((await table_contents(target))["channels"]) == 3


async def test_a_database_with_rows_is_refused_unless_forced(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    await seed_every_table(database_url)
    store = await backup_of(database_url, tmp_path)
    database = Database(empty_url)
    try:
        await migrate.upgrade(database)
        async with database.sessions() as session, session.begin():
            session.add(channel_row(99, slug="already-here"))
    finally:
        await database.dispose()
    before = await table_contents(empty_url)

    with pytest.raises(RestoreRefused, match=r"is not empty \(channels hold rows\).*--force"):
        await restore_backup(store, empty_url)
    assert await table_contents(empty_url) == before

    await restore_backup(store, empty_url, force=True)
    assert await table_contents(empty_url) == await table_contents(database_url)


async def test_the_backup_holds_the_yaml_exports_and_counts_every_row(
    sqlite_url: str, tmp_path: Path
) -> None:
    await seed_every_table(sqlite_url)
    store = await backup_of(sqlite_url, tmp_path)

    import yaml

    channels = yaml.safe_load(store.read("channels.yaml"))
    assert [c["slug"] for c in channels["channels"]] == ["channel-1", "channel-2", "channel-3"]
    targets = yaml.safe_load(store.read("targets.yaml"))
    assert targets["targets"][0]["name"] == "ops webhook"
    settings = yaml.safe_load(store.read("settings.yaml"))["settings"]
    assert "backup_key" not in settings
    counts = {t.name: t.rows for t in await _manifest_tables(store)}
    database = Database(sqlite_url)
    try:
        async with database.engine.connect() as conn:
            channels_count = await conn.scalar(select(func.count()).select_from(ChannelRow))
    finally:
        await database.dispose()
    assert counts["channels"] == channels_count == 3
    assert counts["channel_events"] == 25


async def _manifest_tables(store: DirectoryStore) -> tuple[object, ...]:
    from streamfleet.backup.manifest import MANIFEST_FILE, parse_manifest

    return parse_manifest(store.read(MANIFEST_FILE)).tables
