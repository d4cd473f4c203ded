"""The manifest of a backup: what it holds and how to check it, as ``manifest.json``.

Pure: building, serialising, parsing and checking; no I/O. The manifest itself is
never encrypted (it holds no secret: names, counts, versions and checksums), so a
restore can check every file and the key before it decrypts or writes anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from streamfleet.backup.errors import BackupUnreadable

MANIFEST_FILE: Final = "manifest.json"
FORMAT: Final = "streamfleet-backup"
FORMAT_VERSION: Final = 1
"""Bumped when a file's layout changes; a restore refuses a version it does not know."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class TableEntry:
    """One table: its file (JSON Lines, gzip) and the columns and row count it holds."""

    name: str
    file: str
    rows: int
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileEntry:
    sha256: str
    bytes: int


@dataclass(frozen=True, slots=True)
class Encryption:
    """How the files were sealed: the scheme, the key-derivation salt and a key check."""

    scheme: str
    salt: str
    check: str


@dataclass(frozen=True, slots=True)
class Manifest:
    product_version: str
    schema_revision: str
    created_at: datetime
    source_dialect: str
    tables: tuple[TableEntry, ...]
    files: dict[str, FileEntry]
    encryption: Encryption | None = None
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        document: dict[str, Any] = {
            "format": FORMAT,
            "format_version": self.format_version,
            "product_version": self.product_version,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at.isoformat(),
            "source_dialect": self.source_dialect,
            "encryption": None
            if self.encryption is None
            else {
                "scheme": self.encryption.scheme,
                "salt": self.encryption.salt,
                "check": self.encryption.check,
            },
            "tables": [
                {"name": t.name, "file": t.file, "rows": t.rows, "columns": list(t.columns)}
                for t in self.tables
            ],
            "files": {
                name: {"sha256": f.sha256, "bytes": f.bytes}
                for name, f in sorted(self.files.items())
            },
        }
        return json.dumps(document, indent=2) + "\n"

    def verify(self, name: str, data: bytes) -> None:
        """Raise ``BackupUnreadable`` naming ``name`` unless ``data`` is what was written."""
        entry = self.files.get(name)
        if entry is None:
            raise BackupUnreadable(name, "not listed in the manifest")
        if len(data) != entry.bytes or sha256_hex(data) != entry.sha256:
            raise BackupUnreadable(name, "checksum mismatch (the file was changed or damaged)")


def parse_manifest(text: str | bytes) -> Manifest:
    """Read ``manifest.json``; any unknown format, version or missing key names the manifest."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupUnreadable(MANIFEST_FILE, f"not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupUnreadable(MANIFEST_FILE, f"not a {FORMAT} manifest")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupUnreadable(
            MANIFEST_FILE, f"format version {version!r} is unknown (this streamfleet reads 1)"
        )
    try:
        return _manifest(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupUnreadable(MANIFEST_FILE, f"malformed ({type(exc).__name__}: {exc})") from None


def _manifest(document: dict[str, Any]) -> Manifest:
    files = {
        str(name): FileEntry(sha256=str(entry["sha256"]), bytes=int(entry["bytes"]))
        for name, entry in document["files"].items()
    }
    tables = tuple(
        TableEntry(
            name=str(t["name"]),
            file=str(t["file"]),
            rows=int(t["rows"]),
            columns=tuple(str(c) for c in t["columns"]),
        )
        for t in document["tables"]
    )
    for table in tables:
        if table.file not in files:
            raise ValueError(f"table {table.name} names {table.file}, which has no checksum")
    sealed = document.get("encryption")
    encryption = (
        None
        if sealed is None
        else Encryption(
            scheme=str(sealed["scheme"]), salt=str(sealed["salt"]), check=str(sealed["check"])
        )
    )
    return Manifest(
        product_version=str(document["product_version"]),
        schema_revision=str(document["schema_revision"]),
        created_at=datetime.fromisoformat(document["created_at"]),
        source_dialect=str(document["source_dialect"]),
        tables=tables,
        files=files,
        encryption=encryption,
    )
