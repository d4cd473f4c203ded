"""Where a backup lives: a small interface, one directory implementation.

``open_store(location)`` picks the store by the location's form; an ``s3://``
location is recognised and refused until object storage is added (issue 17,
point 4), so it will plug in here without touching backup or restore.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from streamfleet.backup.errors import BackupError, BackupUnreadable, UnsupportedLocation


class BackupStore(Protocol):
    """The files of one backup, by relative name (``tables/channels.jsonl.gz``)."""

    def describe(self) -> str: ...

    def write(self, name: str, data: bytes) -> None: ...

    def read(self, name: str) -> bytes: ...

    def exists(self, name: str) -> bool: ...


class DirectoryStore:
    """A backup as the files of one local directory; each file written whole, then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def write(self, name: str, data: bytes) -> None:
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            with partial.open("wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(path)
        except OSError as exc:
            raise BackupError(f"cannot write {path}: {exc.strerror}") from None

    def read(self, name: str) -> bytes:
        path = self._path(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise BackupUnreadable(str(path), "missing") from None
        except OSError as exc:
            raise BackupUnreadable(str(path), f"cannot be read ({exc.strerror})") from None

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise BackupUnreadable(name, "names a file outside the backup")
        return path


def open_store(location: str) -> BackupStore:
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme == "s3":
            raise UnsupportedLocation("s3:// backups are not supported yet: use a directory")
        raise UnsupportedLocation(f"{scheme}:// is not a backup location: use a directory")
    return DirectoryStore(Path(location))
