"""One database row <-> one line of JSON, the same whatever engine wrote or reads it.

Times (``UtcDateTime``) are ISO 8601 in UTC with microseconds; JSON columns stay
JSON; booleans are ``true``/``false`` (SQLite and MariaDB hand back 0/1);
numbers and text as they are. A table's file is gzip'd JSON Lines, one object
per row, keyed by column name.
"""

from __future__ import annotations

import gzip
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


def write_lines(rows: Iterable[dict[str, Any]]) -> bytes:
    """Rows as gzip'd JSON Lines (the bytes of one table file, before any encryption)."""
    text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
    return gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)


def read_lines(name: str, data: bytes) -> Iterator[dict[str, Any]]:
    """The rows of one table file; a damaged file names ``name``."""
    try:
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise BackupUnreadable(name, f"not a gzip'd UTF-8 file ({exc})") from None
    # Split on "\n" only: str.splitlines() also splits on U+0085, U+2028 … inside JSON strings.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            document = json.loads(line)
        except ValueError:
            raise BackupUnreadable(name, f"line {number} is not JSON") from None
        if not isinstance(document, dict):
            raise BackupUnreadable(name, f"line {number} is not a JSON object")
        yield document
