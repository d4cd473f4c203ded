"""One database row <-> one line of JSON, the same whatever engine wrote or reads it.

Times (``UtcDateTime``) are ISO 8601 in UTC with microseconds; JSON columns stay
JSON; booleans are ``true``/``false`` (SQLite and MariaDB hand back 0/1);
numbers and text as they are. A table's file is gzip'd JSON Lines, one object
per row, keyed by column name.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Table

from streamfleet.backup.errors import BackupUnreadable
from streamfleet.db.base import UtcDateTime

GZIP_LEVEL = 6


def encode_row(table: Table, row: Mapping[Any, Any], columns: Iterable[str]) -> dict[str, Any]:
    return {name: _encode(table.c[name], row[name]) for name in columns}


def decode_row(table: Table, document: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _decode(table.c[name], value) for name, value in document.items()}


def _encode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UtcDateTime):
        return value.astimezone(UTC).isoformat()
    if isinstance(column.type, Boolean):
        return bool(value)
    if isinstance(column.type, JSON) and isinstance(value, str | bytes):
        return json.loads(value)  # a driver that hands JSON back as text
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UtcDateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(column.type, Boolean):
        return bool(value)
    return value


class LinesWriter:
    """A table file built a batch of rows at a time (only the compressed bytes are kept)."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._gzip = gzip.GzipFile(
            fileobj=self._buffer, mode="wb", compresslevel=GZIP_LEVEL, mtime=0
        )
        self.rows = 0

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows]
        self._gzip.write("".join(lines).encode("utf-8"))
        self.rows += len(lines)

    def finish(self) -> bytes:
        self._gzip.close()
        return self._buffer.getvalue()


def write_lines(rows: Iterable[dict[str, Any]]) -> bytes:
    """Rows as gzip'd JSON Lines (the bytes of one table file, before any encryption)."""
    writer = LinesWriter()
    writer.add(rows)
    return writer.finish()


def read_lines(name: str, data: bytes) -> Iterator[dict[str, Any]]:
    """The rows of one table file, one at a time; a damaged file names ``name``.

    Lines end at "\n" only (``str.splitlines()`` would also split at U+2028 or U+0085,
    which JSON strings may hold).
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb") as lines:
            for number, raw in enumerate(lines, start=1):
                yield _document(name, number, raw)
    except (OSError, EOFError) as exc:
        raise BackupUnreadable(name, f"not a complete gzip file ({exc})") from None


def _document(name: str, number: int, raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BackupUnreadable(name, f"line {number} is not UTF-8") from None
    except ValueError:
        raise BackupUnreadable(name, f"line {number} is not JSON") from None
    if not isinstance(document, dict):
        raise BackupUnreadable(name, f"line {number} is not a JSON object")
    return document
