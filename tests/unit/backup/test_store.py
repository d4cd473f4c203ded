"""Backup locations: a directory today, ``s3://`` refused until object storage exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfleet.backup.errors import BackupUnreadable, UnsupportedLocation
from streamfleet.backup.store import DirectoryStore, open_store


def test_a_path_is_a_directory_store(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "b"))
    assert isinstance(store, DirectoryStore)
    store.write("tables/t.gz", b"data")
    assert store.read("tables/t.gz") == b"data"
    assert not (tmp_path / "b" / "tables" / "t.gz.partial").exists()


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("s3://bucket/prefix", "s3:// backups are not supported yet: use a directory"),
        ("ftp://host/x", "ftp:// is not a backup location: use a directory"),
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
