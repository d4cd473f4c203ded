"""The archive's second tier: segments in ``s3://<s3_bucket>/<s3_archive_prefix>/<path>``.

An archived segment's key is its archive path under the prefix, so the index row that names
the local file names the object too. Every method blocks (boto3): call them from a thread.
Players reach an object through a presigned URL the archive route redirects to; the
segment never passes through the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from streamfleet.config import Settings
from streamfleet.storage.object_store import ObjectStore, join_key

SEGMENT_TYPE: Final = "video/mp2t"
PRESIGNED_TTL_S: Final = 3600
"""A redirect's URL stays valid for an hour: longer than any player holds a segment URI."""


class ArchiveBucket:
    def __init__(self, objects: ObjectStore, prefix: str) -> None:
        self.objects = objects
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveBucket | None:
        """The bucket when ``archive_to_s3`` is on, else ``None``."""
        if not settings.archive_to_s3:
            return None
        objects = ObjectStore.connect(settings.s3_bucket, settings.s3_connection)
        return cls(objects, settings.s3_archive_prefix)

    def key(self, path: str) -> str:
        return join_key(self.prefix, path)

    def upload(self, root: Path, path: str) -> None:
        """Upload the archived file ``root/path`` (checksummed); raises ``OSError`` if it is
        gone and ``ObjectStoreError`` if the store refuses."""
        data = (root / path).read_bytes()
        content_type = SEGMENT_TYPE if path.endswith(".ts") else None
        self.objects.put_checked(self.key(path), data, content_type=content_type)

    def download(self, path: str, target: Path) -> None:
        """Copy the object of ``path`` to ``target`` (an export reading a span)."""
        target.write_bytes(self.objects.get(self.key(path)))

    def delete(self, paths: Iterable[str]) -> int:
        return self.objects.delete(self.key(p) for p in paths)

    def url(self, path: str) -> str:
        return self.objects.presigned_get(self.key(path), PRESIGNED_TTL_S)
