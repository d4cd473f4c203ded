"""Files sealed with the backup key open only with that key; the manifest tells a wrong key."""

from __future__ import annotations

import pytest

from streamfleet.backup.errors import BackupUnreadable
from streamfleet.backup.sealing import Sealer


@pytest.fixture(scope="module")
def sealer() -> Sealer:
    return Sealer.new("correct horse")


def test_a_sealed_file_opens_with_the_same_key(sealer: Sealer) -> None:
    sealed = sealer.seal(b"secret rows")
    assert b"secret rows" not in sealed
    again = Sealer.for_manifest("correct horse", sealer.describe())
    assert again.open("f", sealed) == b"secret rows"


def test_a_wrong_or_missing_key_is_refused_from_the_manifest(sealer: Sealer) -> None:
    with pytest.raises(BackupUnreadable, match=r"^manifest\.json: wrong backup key"):
        Sealer.for_manifest("wrong horse", sealer.describe())
    with pytest.raises(BackupUnreadable, match=r"^manifest\.json: the backup is encrypted"):
        Sealer.for_manifest(None, sealer.describe())


def test_a_changed_sealed_file_does_not_open(sealer: Sealer) -> None:
    sealed = bytearray(sealer.seal(b"rows"))
    sealed[-5] ^= 1
    with pytest.raises(BackupUnreadable, match=r"^tables/x\.gz: cannot be decrypted"):
        sealer.open("tables/x.gz", bytes(sealed))


def test_two_backups_with_one_key_use_different_salts() -> None:
    assert Sealer.new("k").salt != Sealer.new("k").salt
