"""The scheduled backups, as the API shows them: when, where, finished or not, size, encrypted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from streamfleet.backup.destinations import BackupDestination
from streamfleet.backup.errors import BackupError
from streamfleet.backup.manifest import MANIFEST_FILE, parse_manifest
from streamfleet.backup.retention import taken_at

MANIFEST_READERS: Final = 8
"""Manifests read at once (a bucket answers each in tens of milliseconds; a disk at once)."""


@dataclass(frozen=True, slots=True)
class BackupEntry:
    name: str
    taken_at: datetime
    location: str
    """The backup's directory, or ``s3://bucket/prefix/name``."""
    finished: bool
    """A manifest was written (the backup is complete)."""
    bytes: int
    rows: int
    encrypted: bool
    schema_revision: str | None
    problem: str = ""
    """Why the manifest could not be read, when it cannot."""


def list_backups(destination: BackupDestination) -> list[BackupEntry]:
    """Every backup named by the schedule in ``destination``, newest first (reads each manifest)."""
    found = [
        (name, moment, done)
        for name, done in destination.scan().items()
        if (moment := taken_at(name))
    ]
    with ThreadPoolExecutor(MANIFEST_READERS, thread_name_prefix="backup-list") as pool:
        entries = list(pool.map(lambda f: _entry(destination, *f), found))
    return sorted(entries, key=lambda e: e.taken_at, reverse=True)


def _entry(
    destination: BackupDestination, name: str, moment: datetime, finished: bool
) -> BackupEntry:
    store = destination.store_for(name)
    location = store.describe()
    if not finished:
        return BackupEntry(name, moment, location, False, 0, 0, False, None)
    try:
        manifest = parse_manifest(store.read(MANIFEST_FILE))
    except (BackupError, OSError) as exc:
        return BackupEntry(name, moment, location, True, 0, 0, False, None, problem=str(exc))
    return BackupEntry(
        name,
        moment,
        location,
        True,
        bytes=sum(f.bytes for f in manifest.files.values()),
        rows=sum(t.rows for t in manifest.tables),
        encrypted=manifest.encryption is not None,
        schema_revision=manifest.schema_revision,
    )
