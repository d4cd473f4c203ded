"""Cleaning what a crashed or killed run left in the HLS output.

FFmpeg writes each file as ``<name>.tmp`` and renames it when complete
(``temp_file``); a child killed mid-segment leaves its ``.tmp`` behind, and
with ``delete_segments`` a crash leaves segments the next run never lists.
The playlists themselves are kept: ``append_list`` continues their media
sequence after the restart.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import structlog

from streamfleet.media.playlist_summary import summarize

log = structlog.get_logger()

TMP_SUFFIX: Final = ".tmp"
SEGMENT_SUFFIXES: Final = (".ts", ".m4s", ".mp4")


def remove_temp_files(channel_dir: Path) -> int:
    """Delete unfinished ``*.tmp`` files in ``channel_dir`` and its variant folders."""
    removed = 0
    if not channel_dir.is_dir():
        return 0
    for path in (*channel_dir.glob(f"*{TMP_SUFFIX}"), *channel_dir.glob(f"*/*{TMP_SUFFIX}")):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def remove_unlisted_segments(channel_dir: Path) -> int:
    """Delete segments no playlist in ``channel_dir`` (or a variant folder) lists."""
    removed = 0
    for folder in (channel_dir, *(p for p in channel_dir.glob("*") if p.is_dir())):
        listed: set[str] = set()
        for playlist in folder.glob("*.m3u8"):
            summary = summarize(playlist.read_text(errors="replace"))
            if summary is not None:
                listed.update(summary.segments)
        for path in folder.iterdir():
            if path.suffix in SEGMENT_SUFFIXES and path.name not in listed:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def clean_channel_output(channel_dir: Path, *, keep_segments: bool) -> None:
    """Before a channel starts: drop ``.tmp`` files, and unlisted segments unless recording."""
    if not channel_dir.is_dir():
        return
    temp = remove_temp_files(channel_dir)
    unlisted = 0 if keep_segments else remove_unlisted_segments(channel_dir)
    if temp or unlisted:
        log.info("storage.stale_output_removed", dir=str(channel_dir), tmp=temp, segments=unlisted)


def remove_channel_output(channel_dir: Path) -> None:
    """The channel is gone: delete its whole output directory."""
    shutil.rmtree(channel_dir, ignore_errors=True)


def remove_orphan_output_dirs(hls_root: Path, known_slugs: Iterable[str]) -> list[str]:
    """Delete output directories of channels that no longer exist; returns their names.

    Call it with the slug of *every* channel in the database (enabled or not),
    never with a subset, or a disabled channel's recording is lost.
    """
    known = set(known_slugs)
    removed: list[str] = []
    if not hls_root.is_dir():
        return removed
    for path in hls_root.iterdir():
        if path.is_dir() and not path.is_symlink() and path.name not in known:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    if removed:
        log.info("storage.orphan_output_removed", dirs=removed)
    return removed
