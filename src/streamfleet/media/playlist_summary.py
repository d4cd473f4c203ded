"""What the engine reads back from a media playlist FFmpeg wrote (pure text parsing)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlaylistSummary:
    media_sequence: int
    target_duration_s: float | None
    segments: tuple[str, ...]
    """Segment URIs in playlist order."""
    last_duration_s: float | None
    """``#EXTINF`` of the newest segment."""
    discontinuities: int
    ended: bool


def summarize(text: str) -> PlaylistSummary | None:
    """The playlist's facts, or ``None`` when ``text`` is not an HLS media playlist."""
    if not text.startswith("#EXTM3U"):
        return None
    sequence = 0
    target: float | None = None
    segments: list[str] = []
    durations: list[float | None] = []
    pending: float | None = None
    discontinuities = 0
    ended = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = _int(line.partition(":")[2]) or 0
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = _float(line.partition(":")[2])
        elif line.startswith("#EXTINF:"):
            pending = _float(line.partition(":")[2].split(",", 1)[0])
        elif line.startswith("#EXT-X-DISCONTINUITY") and line == "#EXT-X-DISCONTINUITY":
            discontinuities += 1
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif not line.startswith("#"):
            segments.append(line)
            durations.append(pending)
            pending = None
    return PlaylistSummary(
        media_sequence=sequence,
        target_duration_s=target,
        segments=tuple(segments),
        last_duration_s=durations[-1] if durations else None,
        discontinuities=discontinuities,
        ended=ended,
    )


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None
