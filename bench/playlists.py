"""Is each channel's HLS playlist advancing? Read the files, compare what they list.

A playlist *has output* once it lists a segment, and is *advancing* once the
segment it ends with has changed at least once after that: a new segment was
written. :class:`PlaylistTracker` is pure (it is given texts and instants);
:func:`read_playlist` is the only file access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MEDIA_SEQUENCE_TAG = "#EXT-X-MEDIA-SEQUENCE:"


@dataclass(frozen=True, slots=True)
class PlaylistState:
    media_sequence: int
    last_segment: str
    segments: int


def parse_playlist(text: str) -> PlaylistState | None:
    """The media sequence and last segment URI of a media playlist; None when it lists none."""
    sequence = 0
    segments: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(MEDIA_SEQUENCE_TAG):
            try:
                sequence = int(line[len(MEDIA_SEQUENCE_TAG) :])
            except ValueError:
                return None
        elif line and not line.startswith("#"):
            segments.append(line)
    if not segments:
        return None
    return PlaylistState(media_sequence=sequence, last_segment=segments[-1], segments=len(segments))


def read_playlist(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None


@dataclass
class _Track:
    first: PlaylistState | None = None
    latest: PlaylistState | None = None
    output_at: float | None = None
    advancing_at: float | None = None
    changes: int = 0


@dataclass
class PlaylistTracker:
    """When each playlist first listed a segment and first moved on from it."""

    names: list[str]
    started_at: float
    _tracks: dict[str, _Track] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._tracks = {name: _Track() for name in self.names}

    def observe(self, name: str, text: str | None, now: float) -> None:
        track = self._tracks[name]
        state = parse_playlist(text) if text is not None else None
        if state is None:
            return
        if track.first is None:
            track.first = state
            track.output_at = now
        elif track.latest is not None and _moved(track.latest, state):
            track.changes += 1
            if track.advancing_at is None:
                track.advancing_at = now
        track.latest = state

    def observe_all(self, texts: Mapping[str, str | None], now: float) -> None:
        for name, text in texts.items():
            self.observe(name, text, now)

    def advancing(self) -> list[str]:
        return [n for n, t in self._tracks.items() if t.advancing_at is not None]

    def all_advancing(self) -> bool:
        return all(t.advancing_at is not None for t in self._tracks.values())

    def all_advancing_after_s(self) -> float | None:
        """Seconds from ``started_at`` until the last playlist advanced; None if one never did."""
        if not self.all_advancing() or not self._tracks:
            return None
        return max(t.advancing_at or 0.0 for t in self._tracks.values()) - self.started_at

    def all_output_after_s(self) -> float | None:
        """Seconds from ``started_at`` until the last playlist listed its first segment."""
        if any(t.output_at is None for t in self._tracks.values()) or not self._tracks:
            return None
        return max(t.output_at or 0.0 for t in self._tracks.values()) - self.started_at

    def latest_states(self) -> dict[str, PlaylistState | None]:
        return {name: track.latest for name, track in self._tracks.items()}


def _moved(before: PlaylistState, after: PlaylistState) -> bool:
    return (after.media_sequence, after.last_segment) != (
        before.media_sequence,
        before.last_segment,
    )


def moved_between(
    before: Mapping[str, PlaylistState | None], after: Mapping[str, PlaylistState | None]
) -> list[str]:
    """Names whose playlist moved on between two ``latest_states()``."""
    moved = []
    for name, state in after.items():
        old = before.get(name)
        if state is not None and (old is None or _moved(old, state)):
            moved.append(name)
    return moved


def read_all(paths: Mapping[str, Path]) -> dict[str, str | None]:
    return {name: read_playlist(path) for name, path in paths.items()}


def segments_added(before: PlaylistState | None, after: PlaylistState | None) -> int:
    """How many segments a playlist gained between two states (by media sequence)."""
    if before is None or after is None:
        return 0
    return max(
        0, (after.media_sequence + after.segments) - (before.media_sequence + before.segments)
    )
