"""``serve`` (an app with an engine) writes scheduled backups and reports them on /metrics."""

from __future__ import annotations

from pathlib import Path

from streamfleet.db import migrate
from tests.integration.api.test_engine_wiring_api import RecordingEngine
from tests.support.backup_manifest import rows_by_table
from tests.support.server import api_client_for, settings_for_test
from tests.support.waiting import wait_until

BACKUP_TIMEOUT_S = 60.0


async def test_serve_writes_a_backup_each_interval_and_reports_it_on_metrics(
    tmp_path: Path,
) -> None:
    root = tmp_path / "backups"
    settings = settings_for_test(tmp_path, backup_dir=root, backup_interval_s=1.5)

    async with api_client_for(settings, engine_factory=RecordingEngine) as api:

        def finished() -> list[Path]:
            return sorted(root.glob("streamfleet-*/manifest.json"))

        await wait_until(finished, BACKUP_TIMEOUT_S, "a scheduled backup")
        schedule = api.app.state.backups
        # A run records its success, resolves the backup alert, and only then its last run:
        # wait for the last run, which streamfleet_backup_last_ok reports.
        await wait_until(
            lambda: schedule.status.last is not None and schedule.status.last.ok,
            BACKUP_TIMEOUT_S,
            "its status",
        )
        metrics = (await api.get("/metrics")).text

    assert "streamfleet_backup_last_ok 1.0" in metrics
    assert "streamfleet_backup_last_success_timestamp_seconds " in metrics
    assert "streamfleet_backup_interval_seconds 1.5" in metrics
    assert "streamfleet_backup_failures_total 0.0" in metrics


async def test_an_api_only_app_schedules_no_backup(tmp_path: Path) -> None:
    settings = settings_for_test(tmp_path, backup_interval_s=1.5)
    async with api_client_for(settings) as api:
        assert api.app.state.backups is None
        assert "streamfleet_backup_" not in (await api.get("/metrics")).text


async def test_the_api_lists_the_backups_and_the_schedules_last_runs(tmp_path: Path) -> None:
    root = tmp_path / "backups"
    unfinished = root / "streamfleet-20260101T000000Z"
    unfinished.mkdir(parents=True)
    settings = settings_for_test(tmp_path, backup_dir=root, backup_interval_s=1.5)

    async with api_client_for(settings, engine_factory=RecordingEngine) as api:
        schedule = api.app.state.backups
        first = await wait_until(lambda: schedule.status.last_success, BACKUP_TIMEOUT_S, "a backup")
        # The run prunes after it recorded its success: wait for the unfinished one to go.
        await wait_until(
            lambda: not unfinished.exists(), BACKUP_TIMEOUT_S, "the unfinished backup pruned"
        )
        body = (await api.get("/api/v1/backups")).json()

    assert body["schedule"]["enabled"] is True
    assert body["schedule"]["interval_s"] == 1.5
    assert body["schedule"]["last_success"]["ok"] is True
    assert body["schedule"]["failures"] == 0
    # The run the schedule reported, not the newest listed: a loaded host may have begun or
    # finished the next run (1.5 s later, holding the first one's audit row) by the listing.
    listed = {item["location"]: item for item in body["items"]}
    assert first.location in listed, (first.location, list(listed))
    mine = listed[first.location]
    assert mine["finished"] is True
    # The first-start admin and the test client's token; on a loaded host the overdue watch
    # may also have opened its alert before the first run (a row in ``alerts``).
    rows = rows_by_table(first.location)
    assert (rows["users"], rows["api_tokens"]) == (1, 1), rows
    assert mine["rows"] == sum(rows.values())
    assert mine["bytes"] > 0
    assert mine["encrypted"] is False
    assert mine["schema_revision"] == migrate.head_revision()


async def test_an_api_only_node_lists_the_backups_without_a_schedule(tmp_path: Path) -> None:
    root = tmp_path / "backups"
    (root / "streamfleet-20260101T000000Z").mkdir(parents=True)
    async with api_client_for(settings_for_test(tmp_path, backup_dir=root)) as api:
        body = (await api.get("/api/v1/backups")).json()
    assert body["schedule"]["enabled"] is False
    assert [(b["name"], b["finished"]) for b in body["items"]] == [
        ("streamfleet-20260101T000000Z", False)
    ]
