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
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Table

from streamfleet.backup.errors import BackupUnreadable
from streamfleet.db.base import UtcDateTime

GZIP_LEVEL = 6


Convert = Callable[[Any], Any]


class RowCodec:
    """Encodes and decodes the rows of one table: each column's conversion chosen once."""

    def __init__(self, table: Table, columns: Iterable[str]) -> None:
        self.columns = tuple(columns)
        self._encoders = {name: _encoder(table.c[name]) for name in self.columns}
        self._decoders = {name: _decoder(table.c[name]) for name in self.columns}

    def encode(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        return {name: _apply(convert, row[name]) for name, convert in self._encoders.items()}

    def decode(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The row's values for an insert; ``KeyError`` for a column the codec does not know."""
        decoders = self._decoders
        return {name: _apply(decoders[name], value) for name, value in document.items()}


def _apply(convert: Convert | None, value: Any) -> Any:
    if value is None or convert is None:
        return value
    return convert(value)


def _encoder(column: Column[Any]) -> Convert | None:
    if isinstance(column.type, UtcDateTime):
        return _iso_utc
    if isinstance(column.type, Boolean):
        return bool
    if isinstance(column.type, JSON):
        return _json_value
    return None


def _decoder(column: Column[Any]) -> Convert | None:
    if isinstance(column.type, UtcDateTime):
        return _utc_moment
    if isinstance(column.type, Boolean):
        return bool
    return None


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _utc_moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _json_value(value: Any) -> Any:
    if isinstance(value, str | bytes):
        return json.loads(value)  # a driver that hands JSON back as text
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
