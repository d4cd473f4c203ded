"""Which request paths under ``/hls/`` may reach a file (pure part)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from streamfleet.storage.hls_paths import hls_relative_path

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
