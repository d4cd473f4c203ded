"""Cleaning what a crashed or killed run left in the HLS output.

Versions before 2026-12-04 had FFmpeg write each file as ``<name>.tmp`` and rename it
when complete (``temp_file``), so a child killed mid-segment left its ``.tmp`` behind;
those are still removed. Today a killed child's unfinished segment is listed by no
public playlist and the publisher deletes it after the grace like any unlisted one. Its
private playlists (``.ffmpeg.m3u8``, ``.ffmpeg-e<epoch>.m3u8`` on a fleet) belong
to the child that wrote them and go too. The public playlists and the segments
stay: players still read them while the next child starts; the publisher
(``engine/publisher.py``) deletes segments no public playlist lists after a grace.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import structlog

from streamfleet.media.hls_args import PRIVATE_PLAYLIST_GLOB

log = structlog.get_logger()

TMP_SUFFIX: Final = ".tmp"


def remove_temp_files(channel_dir: Path) -> int:
    """Delete unfinished ``*.tmp`` files in ``channel_dir`` and its variant folders."""
    removed = 0
    if not channel_dir.is_dir():
        return 0
    for path in (*channel_dir.glob(f"*{TMP_SUFFIX}"), *channel_dir.glob(f"*/*{TMP_SUFFIX}")):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def remove_private_playlists(channel_dir: Path) -> int:
    """Delete FFmpeg's own playlists in ``channel_dir`` and its variant folders."""
    removed = 0
    for path in (
        *channel_dir.glob(PRIVATE_PLAYLIST_GLOB),
        *channel_dir.glob(f"*/{PRIVATE_PLAYLIST_GLOB}"),
    ):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def clean_channel_output(channel_dir: Path) -> None:
    """Before a child starts: drop ``.tmp`` files and the last child's private playlists."""
    if not channel_dir.is_dir():
        return
    temp = remove_temp_files(channel_dir)
    remove_private_playlists(channel_dir)
    if temp:
        log.info("storage.stale_output_removed", dir=str(channel_dir), tmp=temp)


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
