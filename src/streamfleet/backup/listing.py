"""The backups in a folder, as the API shows them: when, finished or not, size, encrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from streamfleet.backup.errors import BackupUnreadable
from streamfleet.backup.manifest import MANIFEST_FILE, parse_manifest
from streamfleet.backup.retention import taken_at


@dataclass(frozen=True, slots=True)
class BackupEntry:
    name: str
    taken_at: datetime
    finished: bool
    """A manifest was written (the backup is complete)."""
    bytes: int
    rows: int
    encrypted: bool
    schema_revision: str | None
    problem: str = ""
    """Why the manifest could not be read, when it cannot."""


def list_backups(root: Path) -> list[BackupEntry]:
    """Every backup named by the schedule in ``root``, newest first (reads each manifest)."""
    if not root.is_dir():
        return []
    entries = []
    for path in root.iterdir():
        moment = taken_at(path.name)
        if moment is not None and path.is_dir():
            entries.append(_entry(path, moment))
    return sorted(entries, key=lambda e: e.taken_at, reverse=True)


def _entry(path: Path, moment: datetime) -> BackupEntry:
    manifest_file = path / MANIFEST_FILE
    if not manifest_file.is_file():
        return BackupEntry(path.name, moment, False, 0, 0, False, None)
    try:
        manifest = parse_manifest(manifest_file.read_bytes())
    except (BackupUnreadable, OSError) as exc:
        return BackupEntry(path.name, moment, True, 0, 0, False, None, problem=str(exc))
    return BackupEntry(
        path.name,
        moment,
        True,
        bytes=sum(f.bytes for f in manifest.files.values()),
        rows=sum(t.rows for t in manifest.tables),
        encrypted=manifest.encryption is not None,
        schema_revision=manifest.schema_revision,
    )
