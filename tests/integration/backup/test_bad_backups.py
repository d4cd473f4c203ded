"""A damaged, tampered, foreign or undecryptable backup is refused, naming the file, before
anything is written to the database."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from streamfleet.backup.errors import BackupUnreadable, RestoreRefused
from streamfleet.backup.manifest import sha256_hex
from streamfleet.backup.restore import restore_backup
from streamfleet.backup.snapshot import write_backup
from streamfleet.backup.store import DirectoryStore
from tests.support.backup_rows import (
    STREAM_PASSPHRASE,
    TARGET_SECRET,
    seed_every_table,
    table_contents,
    table_names,
)
from tests.support.server import settings_for_test

EVENTS_FILE = "tables/channel_events.jsonl.gz"


@pytest.fixture
async def backup(tmp_path: Path) -> DirectoryStore:
    """A backup of a seeded SQLite database (each test damages it its own way)."""
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    store = DirectoryStore(tmp_path / "backup")
    await write_backup(settings_for_test(tmp_path / "source", source), store)
    return store


def flip_a_byte(root: Path) -> None:
    path = root / EVENTS_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def remove_the_file(root: Path) -> None:
    (root / EVENTS_FILE).unlink()


def append_a_line(root: Path) -> None:
    with (root / EVENTS_FILE).open("ab") as out:
        out.write(b"\n")


def rewrite_with_checksum(root: Path) -> None:
    """A well-formed file whose last row has a time no one can read, its checksum updated
    (as a buggy or hostile writer would leave it)."""
    path = root / EVENTS_FILE
    lines = gzip.decompress(path.read_bytes()).decode().split("\n")[:-1]
    last = json.loads(lines[-1])
    last["at"] = "yesterday"
    lines[-1] = json.dumps(last)
    data = gzip.compress("".join(line + "\n" for line in lines).encode())
    path.write_bytes(data)
    document = json.loads((root / "manifest.json").read_text())
    document["files"][EVENTS_FILE] = {"sha256": sha256_hex(data), "bytes": len(data)}
    (root / "manifest.json").write_text(json.dumps(document))


def edit_manifest(change: Callable[[dict[str, object]], None]) -> Callable[[Path], None]:
    def damage(root: Path) -> None:
        document = json.loads((root / "manifest.json").read_text())
        change(document)
        (root / "manifest.json").write_text(json.dumps(document))

    return damage


DAMAGES = {
    "byte flipped": (flip_a_byte, f"{EVENTS_FILE}: checksum mismatch"),
    "file removed": (remove_the_file, f"{EVENTS_FILE}: missing"),
    "line appended": (append_a_line, f"{EVENTS_FILE}: checksum mismatch"),
    "a row that does not decode": (rewrite_with_checksum, f"{EVENTS_FILE}: line 25: Invalid"),
    "manifest missing": (lambda root: (root / "manifest.json").unlink(), "manifest.json: missing"),
    "manifest not JSON": (
        lambda root: (root / "manifest.json").write_text("{oops"),
        "manifest.json: not JSON",
    ),
    "unknown format version": (
        edit_manifest(lambda d: d.update(format_version=2)),
        "manifest.json: format version 2 is unknown",
    ),
    "not a streamfleet manifest": (
        edit_manifest(lambda d: d.update(format="something-else")),
        "manifest.json: not a streamfleet-backup manifest",
    ),
    "file dropped from the manifest": (
        edit_manifest(lambda d: d["files"].pop(EVENTS_FILE)),  # type: ignore[attr-defined]
        "manifest.json: malformed",
    ),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
async def test_a_damaged_backup_is_refused_naming_the_file_and_nothing_is_written(
    backup: DirectoryStore, sqlite_or_postgres_url: str, damage: str
) -> None:
    change, message = DAMAGES[damage]
    change(backup.root)

    with pytest.raises(BackupUnreadable) as refused:
        await restore_backup(backup, sqlite_or_postgres_url)

    assert message in str(refused.value)
    assert await table_names(sqlite_or_postgres_url) == set()


async def test_a_backup_from_a_newer_schema_is_refused(
    backup: DirectoryStore, sqlite_or_postgres_url: str
) -> None:
    edit_manifest(lambda d: d.update(schema_revision="9999"))(backup.root)

    with pytest.raises(RestoreRefused, match="schema revision 9999, newer than this streamfleet"):
        await restore_backup(backup, sqlite_or_postgres_url)

    assert await table_names(sqlite_or_postgres_url) == set()


async def test_an_encrypted_backup_hides_the_secrets_and_round_trips_with_its_key(
    tmp_path: Path, sqlite_or_postgres_url: str
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    store = DirectoryStore(tmp_path / "backup")
    settings = settings_for_test(tmp_path / "source", source, backup_key="correct horse")
    await write_backup(settings, store)

    for path in store.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert TARGET_SECRET.encode() not in data, path
            assert STREAM_PASSPHRASE.encode() not in data, path
    assert b"ops webhook" not in store.read("targets.yaml")

    with pytest.raises(BackupUnreadable, match=r"manifest\.json: wrong backup key"):
        await restore_backup(store, sqlite_or_postgres_url, key="wrong horse")
    with pytest.raises(BackupUnreadable, match="the backup is encrypted"):
        await restore_backup(store, sqlite_or_postgres_url)
    assert await table_names(sqlite_or_postgres_url) == set()

    await restore_backup(store, sqlite_or_postgres_url, key="correct horse")
    assert await table_contents(sqlite_or_postgres_url) == await table_contents(source)


async def test_an_encrypted_file_changed_after_the_backup_is_refused(
    tmp_path: Path, sqlite_url: str
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'source' / 'streamfleet.db'}"
    await seed_every_table(source)
    store = DirectoryStore(tmp_path / "backup")
    await write_backup(settings_for_test(tmp_path / "source", source, backup_key="k"), store)
    flip_a_byte(store.root)

    with pytest.raises(BackupUnreadable, match=re.escape(f"{EVENTS_FILE}: checksum mismatch")):
        await restore_backup(store, sqlite_url, key="k")
    assert await table_names(sqlite_url) == set()


async def test_a_row_the_database_refuses_rolls_the_whole_restore_back(
    backup: DirectoryStore, database_url: str
) -> None:
    """A backup that is intact but whose rows clash (written by a buggy or hostile tool):
    the restore ends naming the file and leaves no row in any table."""
    path = backup.root / "tables/channels.jsonl.gz"
    lines = gzip.decompress(path.read_bytes()).decode().split("\n")[:-1]
    clash = json.loads(lines[-1])
    clash["slug"] = json.loads(lines[0])["slug"]
    lines[-1] = json.dumps(clash)
    data = gzip.compress("".join(line + "\n" for line in lines).encode())
    path.write_bytes(data)
    document = json.loads((backup.root / "manifest.json").read_text())
    document["files"]["tables/channels.jsonl.gz"] = {"sha256": sha256_hex(data), "bytes": len(data)}
    (backup.root / "manifest.json").write_text(json.dumps(document))

    with pytest.raises(
        BackupUnreadable, match=r"^tables/channels\.jsonl\.gz: the database refused"
    ):
        await restore_backup(backup, database_url)

    assert all(rows == [] for rows in (await table_contents(database_url)).values())
