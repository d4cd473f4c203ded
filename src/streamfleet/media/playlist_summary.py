"""The one reader of HLS media playlists (pure text parsing).

FFmpeg's private playlists (the output watch, the publisher), the public
playlist read back, and an HLS source's playlist (its target duration) all go
through ``summarize()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

MAX_PLAYLIST_BYTES: Final = 1024 * 1024
"""The most of a local playlist that is read (FFmpeg's list ``hls_list_size`` segments:
a few kB)."""


@dataclass(frozen=True, slots=True)
class Segment:
    uri: str
    duration_s: float
    discontinuity: bool = False
    """An ``#EXT-X-DISCONTINUITY`` comes before this segment (a restart, a source switch)."""
    program_date_time: str | None = None


@dataclass(frozen=True, slots=True)
class PlaylistSummary:
    media_sequence: int
    target_duration_s: float | None
    entries: tuple[Segment, ...]
    """The listed segments in playlist order (a URI without a readable ``#EXTINF`` is left
    out)."""
    discontinuity_sequence: int = 0
    ended: bool = False
    is_master: bool = False

    @property
    def segments(self) -> tuple[str, ...]:
        """Segment URIs in playlist order."""
        return tuple(s.uri for s in self.entries)

    @property
    def last_duration_s(self) -> float | None:
        """``#EXTINF`` of the newest segment."""
        return self.entries[-1].duration_s if self.entries else None


def is_complete(text: str) -> bool:
    """Whether ``text`` is a whole playlist as FFmpeg writes it in place (``#EXTM3U`` first,
    a newline last), not what a read caught between its truncation and its write."""
    return text.startswith("#EXTM3U") and text.endswith("\n")


def summarize(text: str) -> PlaylistSummary | None:
    """The playlist's facts, or ``None`` when ``text`` is not an HLS playlist."""
    if not text.startswith("#EXTM3U"):
        return None
    sequence = 0
    discontinuity_sequence = 0
    target: float | None = None
    entries: list[Segment] = []
    duration: float | None = None
    discontinuity = False
    date_time: str | None = None
    ended = is_master = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            if duration is not None and duration >= 0:
                entries.append(Segment(line, duration, discontinuity, date_time))
            duration, discontinuity, date_time = None, False, None
        elif line.startswith("#EXTINF:"):
            duration = _float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            date_time = line.partition(":")[2]
        elif line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = _int(line.partition(":")[2]) or 0
        elif line.startswith("#EXT-X-DISCONTINUITY-SEQUENCE:"):
            discontinuity_sequence = _int(line.partition(":")[2]) or 0
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = _float(line.partition(":")[2])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line.startswith("#EXT-X-STREAM-INF"):
            is_master = True
    return PlaylistSummary(
        media_sequence=sequence,
        target_duration_s=target,
        entries=tuple(entries),
        discontinuity_sequence=discontinuity_sequence,
        ended=ended,
        is_master=is_master,
    )


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None
