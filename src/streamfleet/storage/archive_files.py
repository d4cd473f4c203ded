"""The recording archive on disk: hard links into dated folders, removal, the newest folders.

``<archive root>/<slug>/<YYYY-MM-DD>/<HH>/[<rendition>/]<segment name>``: a
segment is archived by a hard link to the live file (same filesystem, no copy),
so the live name can leave with the live window while the archive name stays.
Every path here is relative to the archive root and comes from
``domain.archive.archive_path`` (slugs passed ``is_valid_slug``).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Final

import structlog

from streamfleet.storage.hls_paths import checked_slug

log = structlog.get_logger()

NEWEST_HOURS_CHECKED: Final = 2
"""At start, the archive files without an index row are looked for in this many of a
channel's newest hour folders: a crash leaves them only where the recorder was writing."""


def link_segment(live: Path, archive_root: Path, relative: str) -> int | None:
    """Hard-link ``live`` at ``relative`` under ``archive_root``; its size in bytes, or
    ``None`` when it was not linked (already archived, the live file gone, another
    filesystem, a full disk: logged)."""
    target = archive_root / relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(live, target)
        return target.stat().st_size
    except FileExistsError:
        return None
    except OSError as exc:
        level = "error" if exc.errno == errno.EXDEV else "warning"
        getattr(log, level)("archive.link_failed", live=str(live), path=relative, error=str(exc))
        return None


def remove_archived(archive_root: Path, relative: str) -> None:
    """Delete one archived file (gone already is fine) and its hour folder once empty."""
    path = archive_root / relative
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("archive.unlink_failed", path=relative, error=str(exc))
        return
    for parent in (path.parent, path.parent.parent):
        if parent == archive_root or not parent.is_relative_to(archive_root):
            break
        try:
            parent.rmdir()  # only when empty
        except OSError:
            break


def remove_channel_archive(archive_root: Path, slug: str) -> None:
    shutil.rmtree(archive_root / checked_slug(slug), ignore_errors=True)


def newest_hour_folders(
    archive_root: Path, slug: str, count: int = NEWEST_HOURS_CHECKED
) -> list[str]:
    """The channel's ``count`` newest ``<YYYY-MM-DD>/<HH>`` folders (names sort by time),
    listing only the newest day folders needed."""
    channel_dir = archive_root / checked_slug(slug)
    try:
        days = sorted(os.listdir(channel_dir), reverse=True)
    except OSError:
        return []
    found: list[str] = []
    for day in days:
        try:
            hours = sorted(os.listdir(channel_dir / day), reverse=True)
        except OSError:
            continue
        for hour in hours:
            found.append(f"{day}/{hour}")
            if len(found) == count:
                return found
    return found


def files_under(archive_root: Path, slug: str, folder: str) -> list[str]:
    """Every file in one hour folder (and its rendition folders), relative to the root."""
    base = archive_root / checked_slug(slug) / folder
    found: list[str] = []
    for dirpath, _dirs, names in os.walk(base):
        rel = Path(dirpath).relative_to(archive_root).as_posix()
        found.extend(f"{rel}/{name}" for name in names)
    return found
