"""Where a channel's files live: HLS output per slug, thumbnails, pid files.

Every path is derived from a slug that passed ``domain.slug.is_valid_slug``,
so no configured name can point outside the data directory.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Final

from streamfleet.domain.archive import ARCHIVE_URI_DIR
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.slug import is_valid_slug

PID_SUFFIX: Final = ".pid"


def checked_slug(slug: str) -> str:
    if not is_valid_slug(slug):
        raise InvalidInput.of("slug", f"'{slug}' is not a valid slug")
    return slug


def channel_hls_dir(hls_root: Path, slug: str) -> Path:
    """``<hls_root>/<slug>``, absolute (FFmpeg runs with the server's working directory)."""
    return hls_root.resolve() / checked_slug(slug)


def thumbnail_path(thumbs_root: Path, slug: str) -> Path:
    return thumbs_root.resolve() / f"{checked_slug(slug)}.jpg"


def pid_file(run_dir: Path, name: str) -> Path:
    """``<run_dir>/<name>.pid``: one per child the engine runs (``name`` is a slug or feeder id)."""
    return run_dir.resolve() / f"{name}{PID_SUFFIX}"


HLS_MEDIA_TYPES: Final[dict[str, str]] = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/mp4",
    ".mp4": "video/mp4",
}
"""The only files served from the HLS root, by extension."""
_NAME_RE: Final = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
MAX_HLS_DEPTH: Final = 3
"""``<slug>/<file>`` or ``<slug>/<rendition>/<file>``."""


def hls_relative_path(path: str) -> PurePosixPath | None:
    """``path`` (already URL-decoded) as ``<slug>/…/<file>`` when it is safe to serve, else
    ``None``: no empty, ``.`` or ``..`` part, no absolute path, no backslash, a valid slug
    first, plain names, a known media extension last. Pure."""
    parts = path.split("/")
    if not 2 <= len(parts) <= MAX_HLS_DEPTH or not is_valid_slug(parts[0]):
        return None
    if any(p in ("", ".", "..") or not _NAME_RE.match(p) for p in parts[1:]):
        return None
    name = parts[-1]
    if PurePosixPath(name).suffix not in HLS_MEDIA_TYPES:
        return None
    return PurePosixPath(*parts)


def resolve_hls_file(hls_root: Path, relative: PurePosixPath) -> Path | None:
    """The file under ``hls_root`` when it exists and, symlinks resolved, is still inside."""
    root = hls_root.resolve()
    try:
        real = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


_DAY_RE: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_HOUR_RE: Final = re.compile(r"^[0-9]{2}$")


def archive_relative_path(path: str) -> PurePosixPath | None:
    """``<slug>/[<rendition>/]archive/<YYYY-MM-DD>/<HH>/<segment>`` (a catch-up playlist's
    segment URI, already URL-decoded) as the file's path under the archive root,
    ``<slug>/<YYYY-MM-DD>/<HH>/[<rendition>/]<segment>``, else ``None``: the same rules as
    ``hls_relative_path``, and a segment's extension (no playlist lives there). Pure."""
    parts = path.split("/")
    if len(parts) == 6:
        slug, rendition, marker, day, hour, name = parts
    elif len(parts) == 5:
        (slug, marker, day, hour, name), rendition = parts, None
    else:
        return None
    if marker != ARCHIVE_URI_DIR or not is_valid_slug(slug):
        return None
    if not _DAY_RE.match(day) or not _HOUR_RE.match(hour) or not _NAME_RE.match(name):
        return None
    if rendition is not None and not _NAME_RE.match(rendition):
        return None
    suffix = PurePosixPath(name).suffix
    if suffix not in HLS_MEDIA_TYPES or suffix == ".m3u8":
        return None
    inner = (rendition, name) if rendition is not None else (name,)
    return PurePosixPath(slug, day, hour, *inner)
