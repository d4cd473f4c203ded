"""``swap_write``: a file rewritten in one step, on two inodes that take turns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streamfleet.storage import swap_write as module
from streamfleet.storage.swap_write import swap_path, swap_write


def test_writes_take_turns_on_two_inodes_and_never_make_a_third(tmp_path: Path) -> None:
    path = tmp_path / "index.m3u8"
    inodes = set()
    for n in range(6):
        swap_write(path, f"#EXTM3U\n#{n}\n")
        assert path.read_text() == f"#EXTM3U\n#{n}\n"
        inodes.add(path.stat().st_ino)
    assert len(inodes) == 2
    assert swap_path(path).name == ".index.m3u8.swap"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.m3u8.swap", "index.m3u8"]


def test_a_reader_that_opened_the_file_keeps_reading_the_text_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "index.m3u8"
    swap_write(path, "one\n")
    swap_write(path, "two\n")
    with path.open() as reader:
        swap_write(path, "three\n")
        assert reader.read() == "two\n"
    assert path.read_text() == "three\n"


def test_the_file_keeps_the_mode_new_files_get(tmp_path: Path) -> None:
    path = tmp_path / "index.m3u8"
    swap_write(path, "one\n")
    swap_write(path, "two\n")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_without_the_exchange_it_replaces_through_a_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "_exchange_works", False)
    path = tmp_path / "index.m3u8"
    swap_write(path, "one\n")
    first = path.stat().st_ino
    swap_write(path, "two\n")
    assert path.read_text() == "two\n"
    assert path.stat().st_ino != first
    assert not swap_path(path).exists()


def test_a_shorter_text_leaves_nothing_of_a_longer_one(tmp_path: Path) -> None:
    path = tmp_path / "index.m3u8"
    for text in ("a much longer first text\n", "short\n", "a third, longer again\n", "x\n"):
        swap_write(path, text)
        assert path.read_text() == text
    assert swap_path(path).read_text() == "a third, longer again\n"
