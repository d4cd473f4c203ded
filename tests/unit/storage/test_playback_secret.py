"""The playback secret kept in ``data_dir/playback-secret``: made once, private, read back."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.playback_signing import is_valid_secret
from streamfleet.storage.playback_secret import kept_secret, read_secret, secret_file


def test_the_first_start_writes_a_random_secret_readable_only_by_its_owner(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"  # not there yet
    secret = kept_secret(data_dir)
    path = secret_file(data_dir)
    assert is_valid_secret(secret)
    assert len(secret) >= 43  # 256 bits
    assert path.read_text() == secret + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir()] == ["playback-secret"]  # no temp file left


def test_later_starts_read_the_same_secret_and_never_overwrite_it(tmp_path: Path) -> None:
    first = kept_secret(tmp_path)
    assert kept_secret(tmp_path) == first
    assert read_secret(tmp_path) == first


def test_two_data_dirs_get_different_secrets(tmp_path: Path) -> None:
    assert kept_secret(tmp_path / "a") != kept_secret(tmp_path / "b")


def test_without_a_file_there_is_no_secret_to_read(tmp_path: Path) -> None:
    assert read_secret(tmp_path) is None
    assert not secret_file(tmp_path).exists()


@pytest.mark.parametrize(
    "text", ["", "short\n", "has a space in it but is long enough!!", "$" * 40]
)
def test_a_malformed_secret_file_is_refused_naming_the_setting(tmp_path: Path, text: str) -> None:
    secret_file(tmp_path).write_text(text)
    with pytest.raises(InvalidInput) as caught:
        kept_secret(tmp_path)
    assert caught.value.errors[0].field == "playback_secret"
    assert text.strip() not in caught.value.detail or not text.strip()
