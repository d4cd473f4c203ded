"""Reading small, often-read files with plain system calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfleet.storage.small_files import READ_CHUNK, read_small_text


def test_a_playlist_is_read_whole_as_text(tmp_path: Path) -> None:
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000000,\nseg_000001.ts\n"
    path = tmp_path / "index.m3u8"
    path.write_text(text)
    assert read_small_text(path, 1024 * 1024) == text
    assert read_small_text(str(path), 1024 * 1024) == text


def test_a_file_longer_than_one_read_comes_back_whole(tmp_path: Path) -> None:
    """Several reads, the last one short; a file of exactly one read's size too."""
    for size in (READ_CHUNK, READ_CHUNK * 2 + 17):
        path = tmp_path / f"{size}.txt"
        path.write_bytes(bytes(ord("a") + i % 26 for i in range(size)))
        assert read_small_text(path, 1024 * 1024) == path.read_text()


def test_no_more_than_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * (READ_CHUNK + 500))
    assert read_small_text(path, 100) == "x" * 100
    assert read_small_text(path, READ_CHUNK + 10) == "x" * (READ_CHUNK + 10)


def test_undecodable_bytes_are_replaced_and_an_empty_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "odd.m3u8"
    path.write_bytes(b"#EXTM3U\n\xff\xfe\n")
    assert read_small_text(path, 1024) == "#EXTM3U\n\ufffd\ufffd\n"
    (tmp_path / "empty").write_bytes(b"")
    assert read_small_text(tmp_path / "empty", 1024) == ""


def test_a_missing_file_raises_like_open(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_small_text(tmp_path / "absent.m3u8", 1024)
