"""``streamfleet backup`` and ``streamfleet restore`` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamfleet.db import migrate
from tests.integration.cli.test_channel_commands import cli, env_for
from tests.support.backup_rows import seed_every_table, table_contents, table_names
from tests.support.s3 import S3_SECRET_ACCESS_KEY, S3Bucket

CHANNELS_FILE = "tables/channels.jsonl.gz"


def error_lines(stderr: str) -> list[str]:
    """The lines meant for a person (the rest are JSON log events and the progress bar)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


async def test_backup_then_restore_into_another_engine(
    sqlite_or_postgres_url: str, tmp_path: Path
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    seeded = await table_contents(source)
    backup_dir = tmp_path / "backup"

    made = cli("backup", "--to", str(backup_dir), env=env_for(source, tmp_path / "source"))
    assert made.returncode == 0, made.stderr
    assert f"written to {backup_dir}" in made.stdout
    assert f"not encrypted, schema {migrate.head_revision()}" in made.stdout
    events = [json.loads(line) for line in made.stderr.splitlines() if line.startswith("{")]
    assert "backup.written" in [e["event"] for e in events]

    target_env = env_for(sqlite_or_postgres_url, tmp_path / "target")
    restored = cli("restore", str(backup_dir), env=target_env)
    assert restored.returncode == 0, restored.stderr
    rows = sum(len(table) for table in seeded.values())
    assert f"restored {rows} rows in {len(seeded)} tables" in restored.stdout
    # The backup's entry is written after its snapshot, the restore's after the restore:
    # the copy is exactly what was seeded, and each database says what happened to it.
    [*_, backed_up] = (await table_contents(source))["audit_events"]
    assert (backed_up["action"], backed_up["target_name"]) == ("backup.create", str(backup_dir))
    assert json.loads(backed_up["changes"])["via"] == [None, "cli"]
    restored_rows = await table_contents(sqlite_or_postgres_url)
    [*history, restored_entry] = restored_rows["audit_events"]
    assert (restored_entry["action"], restored_entry["actor"]) == ("backup.restore", None)
    assert restored_entry["target_name"] == str(backup_dir)
    assert {**restored_rows, "audit_events": history} == seeded

    again = cli("restore", str(backup_dir), env=target_env)
    assert again.returncode == 1
    assert len(error_lines(again.stderr)) == 1
    assert "is not empty" in error_lines(again.stderr)[0]
    forced = cli("restore", str(backup_dir), "--force", env=target_env)
    assert forced.returncode == 0, forced.stderr


async def test_a_tampered_backup_ends_the_restore_with_one_line_naming_the_file(
    tmp_path: Path,
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    backup_dir = tmp_path / "backup"
    assert cli("backup", "--to", str(backup_dir), env=env_for(source, tmp_path)).returncode == 0
    channels = backup_dir / "tables" / "channels.jsonl.gz"
    channels.write_bytes(channels.read_bytes()[:-1])
    target = f"sqlite+aiosqlite:///{tmp_path / 'target' / 'streamfleet.db'}"

    refused = cli("restore", str(backup_dir), env=env_for(target, tmp_path / "target"))

    assert refused.returncode == 1
    assert error_lines(refused.stderr) == [
        "error: tables/channels.jsonl.gz: checksum mismatch (the file was changed or damaged)"
    ]
    assert await table_names(target) == set()


def s3_env(database_url: str, data_dir: Path, bucket: S3Bucket) -> dict[str, str]:
    env = env_for(database_url, data_dir)
    env.update({f"STREAMFLEET_{k.upper()}": str(v) for k, v in bucket.settings.items()})
    return env


async def test_backup_to_a_bucket_then_restore_from_it(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    """The whole way through the command line, with the S3 settings from the environment; the
    secret access key is in no output, whatever the log level."""
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    seeded = await table_contents(source)
    location = f"s3://{s3_bucket.name}/manual/first"
    env = s3_env(source, tmp_path / "source", s3_bucket) | {"STREAMFLEET_LOG_LEVEL": "debug"}

    made = cli("backup", "--to", location, env=env)
    assert made.returncode == 0, made.stderr
    assert f"written to {location} (" in made.stdout

    target = f"sqlite+aiosqlite:///{tmp_path / 'target' / 'streamfleet.db'}"
    target_env = s3_env(target, tmp_path / "target", s3_bucket)
    restored = cli("restore", location, env=target_env | {"STREAMFLEET_LOG_LEVEL": "debug"})
    assert restored.returncode == 0, restored.stderr
    # Each database's audit log ends with what happened to it, written after the work.
    [*_, backed_up] = (await table_contents(source))["audit_events"]
    assert (backed_up["action"], backed_up["target_name"]) == ("backup.create", location)
    restored_rows = await table_contents(target)
    [*history, restored_entry] = restored_rows["audit_events"]
    assert (restored_entry["action"], restored_entry["target_name"]) == ("backup.restore", location)
    assert {**restored_rows, "audit_events": history} == seeded

    s3_bucket.objects.delete([f"manual/first/{CHANNELS_FILE}"])
    other = f"sqlite+aiosqlite:///{tmp_path / 'other' / 'streamfleet.db'}"
    refused = cli("restore", location, env=s3_env(other, tmp_path / "other", s3_bucket))
    assert refused.returncode == 1
    assert error_lines(refused.stderr) == [f"error: {location}/{CHANNELS_FILE}: missing"]
    assert await table_names(other) == set()
    for run in (made, restored, refused):
        assert S3_SECRET_ACCESS_KEY not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (
            "ftp://host/x",
            "error: ftp:// is not a backup location: use a directory or s3://bucket/prefix",
        ),
        (
            "s3://bucket",
            "error: s3://bucket: name a prefix for the backup (s3://bucket/some/prefix)",
        ),
    ],
)
def test_a_location_streamfleet_cannot_use_is_refused_with_exit_code_2(
    tmp_path: Path, location: str, message: str
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'streamfleet.db'}"
    for args in (["backup", "--to", location], ["restore", location]):
        refused = cli(*args, env=env_for(source, tmp_path))
        assert refused.returncode == 2
        assert error_lines(refused.stderr) == [message]


async def test_a_backup_never_overwrites_another(tmp_path: Path) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    env = env_for(source, tmp_path / "source")
    assert cli("backup", "--to", str(tmp_path / "backup"), env=env).returncode == 0

    second = cli("backup", "--to", str(tmp_path / "backup"), env=env)

    assert second.returncode == 1
    assert error_lines(second.stderr) == [
        f"error: {tmp_path / 'backup'} already holds a backup: choose a new directory"
    ]


def test_a_backup_of_an_unreachable_database_fails_with_one_line(tmp_path: Path) -> None:
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"

    failed = cli("backup", "--to", str(tmp_path / "backup"), env=env_for(unreachable, tmp_path))

    assert failed.returncode == 1
    lines = error_lines(failed.stderr)
    assert len(lines) == 1
    assert lines[0].startswith("error: database not reachable:")
    assert not (tmp_path / "backup" / "manifest.json").exists()
