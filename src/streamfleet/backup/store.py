"""Where a backup lives: a small interface, a directory and an object-storage implementation.

``open_store(location, settings)`` picks the store by the location's form: a path
is a directory, ``s3://bucket/prefix`` the objects under that prefix of a bucket
reached with the settings' ``s3_*`` endpoint, region and credentials (see
``storage/object_store.py``). Backup and restore see only ``BackupStore``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from streamfleet.backup.errors import BackupError, BackupUnreadable, UnsupportedLocation
from streamfleet.storage.object_store import (
    S3_SCHEME,
    ObjectMissing,
    ObjectStore,
    ObjectStoreError,
    S3Connection,
    join_key,
    parse_location,
)


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


class S3Store:
    """A backup as the objects under one prefix of a bucket; each object put whole."""

    def __init__(self, objects: ObjectStore, prefix: str) -> None:
        self.objects = objects
        self.prefix = prefix.strip("/")

    def describe(self) -> str:
        return self.objects.url(self.prefix)

    def write(self, name: str, data: bytes) -> None:
        try:
            self.objects.put(self._key(name), data)
        except ObjectStoreError as exc:
            raise BackupError(f"cannot write {exc}") from None

    def read(self, name: str) -> bytes:
        key = self._key(name)
        try:
            return self.objects.get(key)
        except ObjectMissing:
            raise BackupUnreadable(self.objects.url(key), "missing") from None
        except ObjectStoreError as exc:
            raise BackupUnreadable(self.objects.url(key), f"cannot be read ({exc})") from None

    def exists(self, name: str) -> bool:
        try:
            return self.objects.exists(self._key(name))
        except ObjectStoreError as exc:
            raise BackupError(str(exc)) from None

    def _key(self, name: str) -> str:
        parts = name.split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise BackupUnreadable(name, "names a file outside the backup")
        return join_key(self.prefix, name)


def open_store(location: str, connection: S3Connection | None = None) -> BackupStore:
    """The store at ``location``: a directory, or ``s3://bucket/prefix`` through ``connection``."""
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme != S3_SCHEME:
            raise UnsupportedLocation(
                f"{scheme}:// is not a backup location: use a directory or {S3_SCHEME}://bucket/prefix"
            )
        try:
            bucket, prefix = parse_location(location)
        except ObjectStoreError as exc:
            raise UnsupportedLocation(str(exc)) from None
        if not prefix:
            raise UnsupportedLocation(
                f"{location}: name a prefix for the backup ({S3_SCHEME}://{bucket}/some/prefix)"
            )
        return S3Store(ObjectStore.connect(bucket, connection or S3Connection()), prefix)
    return DirectoryStore(Path(location))
