"""Scheduled backups: each run writes a real backup, then keeps exactly the policy's set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streamfleet.alerts.service import AlertService
from streamfleet.backup.retention import backup_name, taken_at
from streamfleet.backup.schedule import BackupSchedule
from streamfleet.db import migrate
from streamfleet.db.repositories.audit import AuditFilters, AuditRepository
from streamfleet.db.session import Database
from streamfleet.events.bus import InProcessBus
from tests.support.backup_rows import seed_every_table
from tests.support.retention_expect import kept_by_default_policy
from tests.support.server import settings_for_test

NOW = datetime(2026, 3, 1, 12, 0, 7, tzinfo=UTC)


def fake_backup(root: Path, at: datetime, *, finished: bool = True) -> Path:
    path = root / backup_name(at)
    path.mkdir(parents=True)
    if finished:
        (path / "manifest.json").write_text("{}")
    return path


async def test_a_run_writes_a_backup_and_keeps_exactly_the_policys_set(
    sqlite_url: str, tmp_path: Path
) -> None:
    await seed_every_table(sqlite_url)
    root = tmp_path / "backups"
    hourly = [NOW.replace(minute=0, second=0) - timedelta(hours=h) for h in range(1, 40 * 24)]
    for moment in hourly:
        fake_backup(root, moment)
    unfinished = fake_backup(root, NOW - timedelta(hours=3, minutes=30), finished=False)
    (root / "notes").mkdir()
    settings = settings_for_test(tmp_path, sqlite_url, backup_dir=root)
    schedule = BackupSchedule(settings, clock=lambda: NOW)

    run = await schedule.run_once()

    assert run.ok, run.error
    assert (root / backup_name(NOW) / "manifest.json").is_file()
    remaining = {taken_at(p.name) for p in root.iterdir() if taken_at(p.name) is not None}
    recent, first_of_each_day = kept_by_default_policy(hourly, NOW)
    assert remaining == {NOW} | recent | first_of_each_day
    assert len(recent) == 7 * 24 - 1  # 11:00 back to 13:00 a week ago
    assert len(first_of_each_day) == 24  # 30 January (from 13:00) to 22 February
    assert not unfinished.exists()
    assert (root / "notes").is_dir()
    assert schedule.status.last == schedule.status.last_success == run
    assert schedule.next_delay_s() == 3600.0


async def test_a_failed_run_is_recorded_and_the_last_good_one_kept(tmp_path: Path) -> None:
    root = tmp_path / "backups"
    good = fake_backup(root, NOW - timedelta(days=60))
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"
    settings = settings_for_test(tmp_path, unreachable, backup_dir=root)
    schedule = BackupSchedule(settings, clock=lambda: NOW)

    run = await schedule.run_once()

    assert not run.ok
    assert run.error.startswith("database not reachable")
    assert schedule.status.failures == 1
    assert schedule.status.last_success is None
    assert good.is_dir()  # the newest finished backup is never pruned
    assert not (root / backup_name(NOW)).exists()
    assert schedule.next_delay_s() == 300.0  # retried in 5 minutes, not in an hour


@pytest.fixture
async def alert_service(sqlite_url: str, tmp_path: Path) -> AsyncIterator[AlertService]:
    """A real alert service on its own SQLite database (its rules, repository and outbox)."""
    database = Database(sqlite_url)
    await migrate.upgrade(database)
    bus = InProcessBus()
    service = AlertService(settings_for_test(tmp_path, sqlite_url), database, bus)
    try:
        yield service
    finally:
        await bus.close()
        await database.dispose()


async def backup_alerts(service: AlertService) -> list[tuple[str, str]]:
    return [(a.rule, a.summary) for a in await service.alerts.list_open() if a.subject == "backups"]


async def test_a_failed_run_opens_the_backup_alert_and_a_good_run_resolves_it(
    alert_service: AlertService, tmp_path: Path
) -> None:
    root = tmp_path / "backups"
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"
    failing = BackupSchedule(
        settings_for_test(tmp_path, unreachable, backup_dir=root),
        clock=lambda: NOW,
        alerts=alert_service,
    )
    await failing.run_once()
    [(rule, summary)] = await backup_alerts(alert_service)
    assert rule == "backup_failed"
    assert summary.startswith("backup failed: database not reachable")

    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    working = BackupSchedule(
        settings_for_test(tmp_path, source, backup_dir=root),
        clock=lambda: NOW + timedelta(hours=1),
        alerts=alert_service,
    )
    assert (await working.run_once()).ok
    assert await backup_alerts(alert_service) == []


async def test_a_backup_older_than_twice_the_interval_opens_the_alert(
    alert_service: AlertService, tmp_path: Path
) -> None:
    root = tmp_path / "backups"
    fake_backup(root, NOW)
    now = [NOW]
    schedule = BackupSchedule(
        settings_for_test(tmp_path, backup_dir=root, backup_interval_s=3600),
        clock=lambda: now[0],
        alerts=alert_service,
    )
    schedule.start()  # takes the newest backup on disk as the last good one
    try:
        now[0] = NOW + timedelta(hours=2)
        assert not await schedule.check_overdue()
        assert await backup_alerts(alert_service) == []

        now[0] = NOW + timedelta(hours=2, seconds=1)
        assert await schedule.check_overdue()
        [(rule, summary)] = await backup_alerts(alert_service)
    finally:
        await schedule.stop()
    assert rule == "backup_failed"
    assert summary == "backup failed: the newest backup is 7201 s old"


async def test_a_scheduled_run_is_audited_after_it_finished(
    sqlite_url: str, tmp_path: Path
) -> None:
    """``backup.create``, by the schedule, with the outcome: written after the snapshot."""
    await migrate.upgrade_url(sqlite_url)
    root = tmp_path / "backups"
    settings = settings_for_test(tmp_path, sqlite_url, backup_dir=root)
    database = Database(sqlite_url)
    try:
        audit = AuditRepository(database.sessions)
        run = await BackupSchedule(settings, clock=lambda: NOW, audit=audit).run_once()
        page = await audit.list_page(AuditFilters(), limit=10)
    finally:
        await database.dispose()
    assert run.ok, run.error
    [entry] = page.items
    assert (entry.action, entry.actor, entry.target_name) == (
        "backup.create",
        None,
        str(root / backup_name(NOW)),
    )
    assert entry.changes is not None
    assert (entry.changes["via"], entry.changes["ok"]) == ([None, "schedule"], [None, True])


async def test_the_first_run_is_due_an_interval_after_the_newest_finished_backup(
    tmp_path: Path,
) -> None:
    """A restart, or another API node taking the schedule over, neither repeats a run nor
    skips one: the first is due an interval after the newest finished backup there (an
    unfinished one does not count), at once when that has passed, and an interval from now
    when there is none."""
    root = tmp_path / "backups"
    settings = settings_for_test(tmp_path, backup_dir=root, backup_interval_s=3600)
    schedule = BackupSchedule(settings, clock=lambda: NOW)
    assert await schedule.first_delay_s() == 3600

    fake_backup(root, NOW - timedelta(minutes=50))
    fake_backup(root, NOW - timedelta(minutes=5), finished=False)
    assert await schedule.first_delay_s() == 600

    fake_backup(root, NOW - timedelta(minutes=120))
    assert await schedule.first_delay_s() == 600
    later = BackupSchedule(settings, clock=lambda: NOW + timedelta(hours=2))
    assert await later.first_delay_s() == 0
