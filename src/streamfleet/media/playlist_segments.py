"""Which segments an HLS playlist lists, and which variants a master playlist offers.

The thumbnailer and the media-info reader only trust segments the playlist
lists: FFmpeg writes the segment in progress under a ``.tmp`` name and adds it
to the playlist once it is complete. Pure: playlist text in, data out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_ATTRIBUTE_RE: Final = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    uri: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class Variant:
    uri: str
    bandwidth: int
    width: int | None = None
    height: int | None = None


def is_master_playlist(text: str) -> bool:
    return "#EXT-X-STREAM-INF" in text


def media_segments(text: str) -> list[SegmentEntry]:
    """The segments of a media playlist in order, oldest first.

    Entries whose URI is a ``.tmp`` file (a segment still being written) are left out.
    """
    entries = []
    duration: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            value = line[len("#EXTINF:") :].split(",", 1)[0]
            try:
                duration = float(value)
            except ValueError:
                duration = None
        elif line and not line.startswith("#"):
            if duration is not None and not line.endswith(".tmp"):
                entries.append(SegmentEntry(line, duration))
            duration = None
    return entries


def newest_segment(text: str) -> SegmentEntry | None:
    """The last complete segment the playlist lists, or ``None`` for an empty playlist."""
    segments = media_segments(text)
    return segments[-1] if segments else None


def variants(text: str) -> list[Variant]:
    """The variant streams of a master playlist in the order listed."""
    out = []
    pending: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = {
                key: value.strip('"')
                for key, value in _ATTRIBUTE_RE.findall(line[len("#EXT-X-STREAM-INF:") :])
            }
        elif line and not line.startswith("#") and pending is not None:
            width, height = _resolution(pending.get("RESOLUTION", ""))
            out.append(Variant(line, _int(pending.get("BANDWIDTH", "")), width, height))
            pending = None
    return out


def smallest_variant(text: str) -> Variant | None:
    """The cheapest variant to decode (lowest bandwidth); thumbnails are small anyway."""
    found = variants(text)
    return min(found, key=lambda v: v.bandwidth) if found else None


def largest_variant(text: str) -> Variant | None:
    """The best variant (highest bandwidth): what media info describes."""
    found = variants(text)
    return max(found, key=lambda v: v.bandwidth) if found else None


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _resolution(value: str) -> tuple[int | None, int | None]:
    width, _, height = value.partition("x")
    if width.isdigit() and height.isdigit():
        return int(width), int(height)
    return None, None
