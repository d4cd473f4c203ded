"""The rows a written backup holds, read from its own manifest (per table)."""

from __future__ import annotations

from streamfleet.backup.manifest import MANIFEST_FILE, parse_manifest
from streamfleet.backup.store import open_store
from streamfleet.storage.object_store import S3Connection


def rows_by_table(location: str, connection: S3Connection | None = None) -> dict[str, int]:
    """``{table: rows}`` of the backup at ``location`` (a directory or ``s3://…``)."""
    manifest = parse_manifest(open_store(location, connection).read(MANIFEST_FILE))
    return {table.name: table.rows for table in manifest.tables}
