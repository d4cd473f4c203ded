"""Backups in an S3-compatible bucket (moto's server on loopback): written, listed, restored
with every row identical, refused when an object is missing or changed, pruned by policy."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streamfleet.backup.destinations import BucketDestination
from streamfleet.backup.errors import BackupError, BackupUnreadable
from streamfleet.backup.restore import restore_backup
from streamfleet.backup.retention import backup_name, taken_at
from streamfleet.backup.schedule import BackupSchedule
from streamfleet.backup.snapshot import write_backup
from streamfleet.backup.store import BackupStore, open_store
from streamfleet.storage.object_store import S3Connection
from tests.integration.api.test_engine_wiring_api import RecordingEngine
from tests.support.backup_manifest import rows_by_table
from tests.support.backup_rows import seed_every_table, table_contents, table_names
from tests.support.retention_expect import kept_by_default_policy
from tests.support.s3 import S3_SECRET_ACCESS_KEY, S3Bucket, connection_to
from tests.support.server import api_client_for, settings_for_test
from tests.support.waiting import wait_until

NOW = datetime(2026, 3, 1, 12, 0, 7, tzinfo=UTC)
EVENTS_FILE = "tables/channel_events.jsonl.gz"
PREFIX = "nightly/one"
SCHEDULE_TIMEOUT_S = 60.0


async def backup_in(bucket: S3Bucket, database_url: str, folder: Path) -> BackupStore:
    store = open_store(f"s3://{bucket.name}/{PREFIX}", bucket.connection)
    await write_backup(settings_for_test(folder, database_url, **bucket.settings), store)
    return store


async def test_a_backup_in_the_bucket_restores_into_a_new_database_with_identical_rows(
    database_url: str, empty_url: str, tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    await seed_every_table(database_url)
    store = await backup_in(s3_bucket, database_url, tmp_path)
    assert f"{PREFIX}/manifest.json" in s3_bucket.keys(PREFIX)
    assert f"{PREFIX}/{EVENTS_FILE}" in s3_bucket.keys(PREFIX)

    again = open_store(f"s3://{s3_bucket.name}/{PREFIX}/", s3_bucket.connection)
    result = await restore_backup(again, empty_url)

    assert store.describe() == f"s3://{s3_bucket.name}/{PREFIX}"
    assert await table_contents(empty_url) == await table_contents(database_url)
    assert result.rows["channel_events"] == 25


@pytest.fixture
async def seeded_backup(tmp_path: Path, s3_bucket: S3Bucket) -> BackupStore:
    """A backup of a seeded SQLite database under ``PREFIX`` (each test damages it its own way)."""
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    return await backup_in(s3_bucket, source, tmp_path / "source")


async def test_a_changed_object_is_refused_naming_it_before_anything_is_written(
    sqlite_url: str, s3_bucket: S3Bucket, seeded_backup: BackupStore
) -> None:
    store = seeded_backup
    key = f"{PREFIX}/{EVENTS_FILE}"
    data = bytearray(s3_bucket.objects.get(key))
    data[len(data) // 2] ^= 0x01
    s3_bucket.objects.put(key, bytes(data))

    with pytest.raises(BackupUnreadable) as refused:
        await restore_backup(store, sqlite_url)

    assert (
        str(refused.value) == f"{EVENTS_FILE}: checksum mismatch (the file was changed or damaged)"
    )
    assert await table_names(sqlite_url) == set()


async def test_a_missing_object_is_refused_naming_it_before_anything_is_written(
    sqlite_url: str, s3_bucket: S3Bucket, seeded_backup: BackupStore
) -> None:
    store = seeded_backup
    s3_bucket.objects.delete([f"{PREFIX}/{EVENTS_FILE}"])

    with pytest.raises(BackupUnreadable) as refused:
        await restore_backup(store, sqlite_url)

    assert str(refused.value) == f"s3://{s3_bucket.name}/{PREFIX}/{EVENTS_FILE}: missing"
    assert await table_names(sqlite_url) == set()


async def test_a_second_backup_into_the_same_prefix_is_refused(
    sqlite_url: str, tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    await seed_every_table(sqlite_url)
    await backup_in(s3_bucket, sqlite_url, tmp_path)
    with pytest.raises(BackupError, match="already holds a backup"):
        await backup_in(s3_bucket, sqlite_url, tmp_path)


def fake_backup(bucket: S3Bucket, prefix: str, at: datetime, *, finished: bool = True) -> str:
    name = backup_name(at)
    bucket.objects.put(f"{prefix}/{name}/tables/channels.jsonl.gz", b"rows")
    if finished:
        bucket.objects.put(f"{prefix}/{name}/manifest.json", b"{}")
    return name


async def test_a_scheduled_run_lands_in_the_bucket_and_keeps_exactly_the_policys_set(
    sqlite_url: str, tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    await seed_every_table(sqlite_url)
    prefix = "fleet/backups"
    hourly = [NOW.replace(minute=0, second=0) - timedelta(hours=h) for h in range(1, 40 * 24, 5)]
    for moment in hourly:
        fake_backup(s3_bucket, prefix, moment)
    unfinished = fake_backup(
        s3_bucket, prefix, NOW - timedelta(hours=3, minutes=30), finished=False
    )
    s3_bucket.objects.put(f"{prefix}/notes.txt", b"not ours")
    s3_bucket.objects.put("elsewhere/streamfleet-20200101T000000Z/manifest.json", b"{}")
    settings = settings_for_test(
        tmp_path, sqlite_url, backup_to_s3=True, s3_backup_prefix=prefix, **s3_bucket.settings
    )
    schedule = BackupSchedule(settings, clock=lambda: NOW)

    run = await schedule.run_once()

    assert run.ok, run.error
    assert run.location == f"s3://{s3_bucket.name}/{prefix}/{backup_name(NOW)}"
    assert f"{prefix}/{backup_name(NOW)}/manifest.json" in s3_bucket.keys(prefix)
    names = {key.split("/")[2] for key in s3_bucket.keys(prefix) if key.count("/") >= 3}
    remaining = {taken_at(name) for name in names}
    recent, first_of_each_day = kept_by_default_policy(hourly, NOW)
    assert remaining == {NOW} | recent | first_of_each_day
    assert (len(recent), len(first_of_each_day)) == (34, 24)
    assert unfinished not in names
    for name in names - {backup_name(NOW)}:  # every object of a kept backup is still there
        assert set(s3_bucket.keys(f"{prefix}/{name}/")) == {
            f"{prefix}/{name}/tables/channels.jsonl.gz",
            f"{prefix}/{name}/manifest.json",
        }
    assert f"{prefix}/notes.txt" in s3_bucket.keys(prefix)
    assert s3_bucket.keys("elsewhere/") == ["elsewhere/streamfleet-20200101T000000Z/manifest.json"]


async def test_the_api_lists_the_backups_in_the_bucket_with_where_each_is(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    prefix = "api/backups"
    unfinished = fake_backup(s3_bucket, prefix, NOW, finished=False)
    settings = settings_for_test(
        tmp_path, backup_to_s3=True, s3_backup_prefix=prefix, **s3_bucket.settings
    )
    async with api_client_for(settings) as api:
        body = (await api.get("/api/v1/backups")).json()
    assert [(b["name"], b["location"], b["finished"]) for b in body["items"]] == [
        (unfinished, f"s3://{s3_bucket.name}/{prefix}/{unfinished}", False)
    ]


async def test_an_unreachable_bucket_ends_with_one_line_that_holds_no_secret(
    sqlite_url: str, tmp_path: Path, s3_bucket: S3Bucket, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong bucket and a closed port: the errors name the location, and neither they nor
    any log line (botocore's debug included) hold the secret access key."""
    caplog.set_level(logging.DEBUG)
    await seed_every_table(sqlite_url)
    settings = settings_for_test(tmp_path, sqlite_url, **s3_bucket.settings)
    store = open_store("s3://no-such-bucket/x", s3_bucket.connection)
    with pytest.raises(BackupError) as no_bucket:
        await write_backup(settings, store)
    assert "s3://no-such-bucket/x" in str(no_bucket.value)
    assert "NoSuchBucket" in str(no_bucket.value)

    closed = S3Connection(
        endpoint_url="http://127.0.0.1:1",
        access_key_id="k",
        secret_access_key=connection_to("").secret_access_key,
        region="us-east-1",
        max_attempts=1,
    )
    with pytest.raises(BackupUnreadable) as unreachable:
        await restore_backup(open_store(f"s3://{s3_bucket.name}/x", closed), sqlite_url)
    assert str(unreachable.value).startswith(f"s3://{s3_bucket.name}/x/manifest.json: cannot be")

    # A good backup too, so botocore's signing debug lines are in the capture; the backup's
    # settings.yaml names the bucket but not the secret.
    store = await backup_in(s3_bucket, sqlite_url, tmp_path)
    assert "Calculating signature" in caplog.text
    exported = store.read("settings.yaml").decode()
    assert f"s3_bucket: {s3_bucket.name}" in exported
    assert "s3_secret_access_key" not in exported
    for text in (str(no_bucket.value), str(unreachable.value), caplog.text, repr(settings)):
        assert S3_SECRET_ACCESS_KEY not in text
    for key in s3_bucket.keys(PREFIX):
        assert S3_SECRET_ACCESS_KEY.encode() not in s3_bucket.objects.get(key), key


async def test_bucket_backups_list_every_object_of_a_backup(s3_bucket: S3Bucket) -> None:
    destination = BucketDestination(s3_bucket.objects, "p")
    name = fake_backup(s3_bucket, "p", NOW)
    assert destination.scan() == {name: True}
    destination.remove([name])
    assert s3_bucket.keys("p/") == []


async def test_serve_writes_its_scheduled_backups_into_the_bucket(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    prefix = "serve/backups"
    settings = settings_for_test(
        tmp_path,
        backup_interval_s=1.5,
        backup_to_s3=True,
        s3_backup_prefix=prefix,
        **s3_bucket.settings,
    )
    async with api_client_for(settings, engine_factory=RecordingEngine) as api:
        schedule = api.app.state.backups
        first = await wait_until(
            lambda: schedule.status.last_success, SCHEDULE_TIMEOUT_S, "a backup"
        )
        body = (await api.get("/api/v1/backups")).json()

    manifests = [k for k in s3_bucket.keys(prefix) if k.endswith("/manifest.json")]
    assert manifests
    assert not (tmp_path / "backups").exists()
    # The run the schedule reported, not the newest listed: with a 1.5 s interval a loaded
    # host may finish a second run before the listing, and that one also holds the first
    # run's audit row.
    listed = {item["location"]: item for item in body["items"]}
    assert first.location in listed, (first.location, list(listed))
    assert first.location.startswith(f"s3://{s3_bucket.name}/{prefix}/streamfleet-")
    # The first-start admin and the test client's token; on a loaded host the overdue watch
    # may also have opened its alert before the first run (a row in ``alerts``).
    rows = rows_by_table(first.location, s3_bucket.connection)
    assert (rows["users"], rows["api_tokens"]) == (1, 1), rows
    assert (listed[first.location]["finished"], listed[first.location]["rows"]) == (
        True,
        sum(rows.values()),
    )
