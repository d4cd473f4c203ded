"""Which request paths under ``/hls/`` may reach a file (pure part)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from streamfleet.storage.hls_paths import archive_relative_path, hls_relative_path

ALLOWED = [
    ("news/index.m3u8", "news/index.m3u8"),
    ("news/seg_12.ts", "news/seg_12.ts"),
    ("news/720p/index.m3u8", "news/720p/index.m3u8"),
    ("news/720p/seg_3.ts", "news/720p/seg_3.ts"),
    ("news/init.mp4", "news/init.mp4"),
    ("news/seg_1.m4s", "news/seg_1.m4s"),
    ("news/a1764770400000_000042.ts", "news/a1764770400000_000042.ts"),
]

REFUSED = [
    "../etc/passwd",
    "news/../../etc/passwd",
    "news/../other/index.m3u8",
    "/etc/passwd",
    "news//index.m3u8",
    "news/./index.m3u8",
    "news/..",
    "..",
    "news",
    "news/",
    "news/index.m3u8.tmp",
    "news/secret.txt",
    "news/a/b/c.ts",
    "News!/index.m3u8",
    "news/..\\..\\etc\\passwd.ts",
    "news/%2e%2e/index.m3u8",
    "news/seg\x00.ts",
    "news/.hidden.ts",
    "news/.ffmpeg.m3u8",  # FFmpeg's private playlist
    "news/720p/.ffmpeg.m3u8",
]


@pytest.mark.parametrize(("path", "expected"), ALLOWED)
def test_a_slug_a_plain_name_and_a_media_extension_is_allowed(path: str, expected: str) -> None:
    assert hls_relative_path(path) == PurePosixPath(expected)


@pytest.mark.parametrize("path", REFUSED)
def test_traversal_absolute_and_odd_paths_are_refused(path: str) -> None:
    assert hls_relative_path(path) is None


ARCHIVE_ALLOWED = [
    ("news/archive/2026-05-01/10/a1_42.ts", "news/2026-05-01/10/a1_42.ts"),
    ("news/720p/archive/2026-05-01/10/a1_42.ts", "news/2026-05-01/10/720p/a1_42.ts"),
    ("s/archive/2026-05-01/23/a1_1.m4s", "s/2026-05-01/23/a1_1.m4s"),
]
ARCHIVE_REFUSED = [
    "news/archive/2026-05-01/10/index.m3u8",  # segments only
    "news/archive/2026-05-01/10/notes.txt",
    "news/archive/2026-05-01/10/../../../../etc/passwd.ts",
    "news/archive/2026-05-01/../a1_1.ts",
    "news/archive/2026-5-1/10/a1_1.ts",
    "news/archive/2026-05-01/1/a1_1.ts",
    "news/archived/2026-05-01/10/a1_1.ts",
    "news/../archive/2026-05-01/10/a1_1.ts",
    "news/.x/archive/2026-05-01/10/a1_1.ts",
    "News!/archive/2026-05-01/10/a1_1.ts",
    "news/a/b/archive/2026-05-01/10/a1_1.ts",
    "news/archive/2026-05-01/10/.a1_1.ts",
    "news/archive/2026-05-01/10/",
    "/news/archive/2026-05-01/10/a1_1.ts",
]


@pytest.mark.parametrize(("path", "expected"), ARCHIVE_ALLOWED)
def test_an_archive_uri_names_its_file_under_the_archive(path: str, expected: str) -> None:
    assert archive_relative_path(path) == PurePosixPath(expected)
    assert hls_relative_path(path) is None  # never a live file


@pytest.mark.parametrize("path", ARCHIVE_REFUSED)
def test_odd_archive_uris_are_refused(path: str) -> None:
    assert archive_relative_path(path) is None
