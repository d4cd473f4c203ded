"""Backup locations: a directory, or ``s3://bucket/prefix``; any other scheme is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfleet.backup.errors import BackupUnreadable, UnsupportedLocation
from streamfleet.backup.store import DirectoryStore, S3Store, open_store
from streamfleet.storage.object_store import S3Connection
from tests.support.server import free_port

# A loopback port nothing listens on: should a regression make these tests send a request,
# it is refused here instead of reaching AWS.
NOWHERE = S3Connection(endpoint_url=f"http://127.0.0.1:{free_port()}", region="eu-west-1")


def test_a_path_is_a_directory_store(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "b"))
    assert isinstance(store, DirectoryStore)
    store.write("tables/t.gz", b"data")
    assert store.read("tables/t.gz") == b"data"
    assert not (tmp_path / "b" / "tables" / "t.gz.partial").exists()


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("ftp://host/x", "ftp:// is not a backup location: use a directory or s3://bucket/prefix"),
        ("s3:///prefix", "s3:///prefix: names no bucket (s3://bucket/prefix)"),
        ("s3://bucket", "s3://bucket: name a prefix for the backup (s3://bucket/some/prefix)"),
        ("s3://bucket//", "s3://bucket//: name a prefix for the backup (s3://bucket/some/prefix)"),
    ],
)
def test_other_schemes_are_refused_with_one_line(location: str, message: str) -> None:
    with pytest.raises(UnsupportedLocation) as refused:
        open_store(location)
    assert str(refused.value) == message


def test_a_name_outside_the_backup_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupUnreadable, match="names a file outside the backup"):
        DirectoryStore(tmp_path / "b").read("../../etc/passwd")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BackupUnreadable, match=r"b/channels.yaml: missing"):
        DirectoryStore(tmp_path / "b").read("channels.yaml")


def test_an_s3_location_is_a_bucket_prefix_store() -> None:
    """No request is made: the store only knows where it will read and write."""
    store = open_store("s3://backups/fleet/2026-01-02/", NOWHERE)
    assert isinstance(store, S3Store)
    assert store.describe() == "s3://backups/fleet/2026-01-02"


@pytest.mark.parametrize(
    "name", ["../other/manifest.json", "/etc/passwd", "tables//x", "a/./b", ""]
)
def test_an_object_name_outside_the_backup_is_refused(name: str) -> None:
    store = open_store("s3://backups/fleet", NOWHERE)
    with pytest.raises(BackupUnreadable, match="names a file outside the backup"):
        store.read(name)
