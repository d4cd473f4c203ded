"""Where scheduled backups go: a folder on disk, or a prefix in a bucket.

Both hold one backup per ``streamfleet-YYYYMMDDTHHMMSSZ`` (see ``retention.py``),
finished when its ``manifest.json`` is there. The schedule writes through
``store_for``, prunes with ``remove`` (every file, or every object, of that
backup) and the API lists with ``scan``. Everything here blocks: call it from a
thread. Names not ours (other files, other keys) are never touched.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Protocol

from streamfleet.backup.manifest import MANIFEST_FILE
from streamfleet.backup.retention import taken_at
from streamfleet.backup.store import BackupStore, DirectoryStore, S3Store
from streamfleet.config import Settings
from streamfleet.storage.object_store import ObjectStore, join_key


class BackupDestination(Protocol):
    def describe(self) -> str: ...

    def store_for(self, name: str) -> BackupStore: ...

    def scan(self) -> dict[str, bool]:
        """Every backup by name (``streamfleet-…``) -> finished (its manifest is there)."""
        ...

    def remove(self, names: Collection[str]) -> None:
        """Remove these backups, every file (or object) of each."""
        ...


class FolderDestination:
    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def store_for(self, name: str) -> BackupStore:
        return DirectoryStore(self.root / name)

    def scan(self) -> dict[str, bool]:
        if not self.root.is_dir():
            return {}
        return {
            path.name: (path / MANIFEST_FILE).is_file()
            for path in self.root.iterdir()
            if taken_at(path.name) is not None and path.is_dir()
        }

    def remove(self, names: Collection[str]) -> None:
        for name in names:
            shutil.rmtree(self.root / name, ignore_errors=True)


class BucketDestination:
    """``s3://bucket/<prefix>/streamfleet-…/…``: one listing finds every backup and its files."""

    def __init__(self, objects: ObjectStore, prefix: str) -> None:
        self.objects = objects
        self.prefix = prefix.strip("/")

    def describe(self) -> str:
        return self.objects.url(self.prefix)

    def store_for(self, name: str) -> BackupStore:
        return S3Store(self.objects, join_key(self.prefix, name))

    def scan(self) -> dict[str, bool]:
        return {name: MANIFEST_FILE in files for name, files in self._files().items()}

    def remove(self, names: Collection[str]) -> None:
        """One listing, then deletes of up to 1 000 keys per request."""
        found = self._files()
        self.objects.delete(
            join_key(self.prefix, name, file)
            for name in names
            for file in sorted(found.get(name, ()))
        )

    def _files(self) -> dict[str, set[str]]:
        """Backup name -> the names of its objects (relative to the backup)."""
        start = f"{self.prefix}/" if self.prefix else ""
        found: dict[str, set[str]] = {}
        for item in self.objects.list(start):
            name, _, file = item.key[len(start) :].partition("/")
            if taken_at(name) is not None and file:
                found.setdefault(name, set()).add(file)
        return found


def scheduled_destination(settings: Settings) -> BackupDestination:
    """The bucket when ``backup_to_s3`` is on, else ``backup_dir``."""
    if settings.backup_to_s3:
        objects = ObjectStore.connect(settings.s3_bucket, settings.s3_connection)
        return BucketDestination(objects, settings.s3_backup_prefix)
    return FolderDestination(settings.resolved_backup_dir)


def moments(scan: dict[str, bool]) -> tuple[dict[datetime, str], dict[datetime, str]]:
    """``scan()`` split into finished and unfinished backups, by the moment each was taken."""
    finished: dict[datetime, str] = {}
    unfinished: dict[datetime, str] = {}
    for name, done in scan.items():
        moment = taken_at(name)
        if moment is not None:
            (finished if done else unfinished)[moment] = name
    return finished, unfinished
