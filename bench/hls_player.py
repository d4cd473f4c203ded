"""What a player polling a channel's public playlist sees across a move.

``PlaylistPlayer`` reads ``index.m3u8`` (the file API nodes serve, on the shared volume)
when told to, a player's reload, and keeps each distinct version with the instant it was
read. The rest is pure, over those versions:

- ``newest_stretches`` and ``newest_gaps_s``: when and how long each newest listed segment
  stayed the newest (a segment's length on a steady channel); ``longest_stall_s``, the
  longest of them (a player holding one segment of buffer stalls about that long less one
  segment);
- ``sequences_only_grow``: neither the media sequence nor the discontinuity sequence ever
  went back;
- ``discontinuity_at_moves``: every segment of a new epoch (a new claim, the segment name's
  ``e<epoch>-`` prefix) that follows one of an older epoch carries ``#EXT-X-DISCONTINUITY``;
  ``None`` when no change of epoch was seen. "Follows" is within a version, and by media
  sequence number across the versions read, as a player reloading joins them: the new
  holder may publish a whole window at once (its FFmpeg wrote several segments before its
  first publish: a source catching up on a loaded host), and then no version lists both.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from streamfleet.media.hls_args import epoch_of_segment
from streamfleet.media.public_playlist import PublicPlaylist, Segment, parse_public

KEEP_ALL: Final = 1000
"""The list size ``parse_public`` is given: larger than any window, nothing is dropped."""


@dataclass(frozen=True, slots=True)
class Seen:
    at: float
    """``time.monotonic()`` when read."""
    playlist: PublicPlaylist

    @property
    def newest(self) -> str | None:
        return self.playlist.segments[-1].uri if self.playlist.segments else None

    def epochs(self) -> list[int | None]:
        """The epoch of each listed segment, oldest first (``None`` for a name without one)."""
        return [epoch_of_segment(s.uri) for s in self.playlist.segments]


@dataclass
class PlaylistPlayer:
    path: Path
    seen: list[Seen] = field(default_factory=list)

    def read(self, now: float) -> None:
        try:
            text = self.path.read_text()
        except OSError:
            return
        playlist = parse_public(text, KEEP_ALL)
        if playlist is not None and (not self.seen or self.seen[-1].playlist != playlist):
            self.seen.append(Seen(now, playlist))

    def newest_epoch(self) -> int | None:
        """The epoch of the newest segment listed in the last version read."""
        newest = self.seen[-1].newest if self.seen else None
        return None if newest is None else epoch_of_segment(newest)

    def epochs_after(self, epoch: int) -> int:
        """How many distinct segments of an epoch above ``epoch`` it has listed."""
        return len(
            {
                s.uri
                for version in self.seen
                for s in version.playlist.segments
                if (e := epoch_of_segment(s.uri)) is not None and e > epoch
            }
        )


def newest_stretches(seen: Sequence[Seen], until: float) -> list[tuple[float, float]]:
    """(start, end) of each stretch between changes of the newest segment, the last one
    running until ``until`` (the time before the first read is left out: it started before)."""
    changes: list[float] = []
    newest: str | None = None
    for version in seen:
        if version.newest is not None and version.newest != newest:
            newest = version.newest
            changes.append(version.at)
    return list(itertools.pairwise([*changes, until])) if changes else []


def newest_gaps_s(seen: Sequence[Seen], until: float) -> list[float]:
    """How long each newest segment stayed the newest (``newest_stretches``' lengths)."""
    return [end - start for start, end in newest_stretches(seen, until)]


def longest_stall_s(seen: Sequence[Seen], until: float) -> float:
    """The longest of ``newest_gaps_s``; 0 with nothing seen."""
    return max(newest_gaps_s(seen, until), default=0.0)


def sequences_only_grow(seen: Sequence[Seen]) -> bool:
    pairs = [(v.playlist.media_sequence, v.playlist.discontinuity_sequence) for v in seen]
    return all(b[0] >= a[0] and b[1] >= a[1] for a, b in itertools.pairwise(pairs))


def numbered_segments(seen: Sequence[Seen]) -> dict[int, Segment]:
    """Each media sequence number listed in any version, with its segment as first listed."""
    numbered: dict[int, Segment] = {}
    for version in seen:
        playlist = version.playlist
        for number, segment in enumerate(playlist.segments, playlist.media_sequence):
            numbered.setdefault(number, segment)
    return numbered


def discontinuity_at_moves(seen: Sequence[Seen]) -> bool | None:
    pairs = [pair for v in seen for pair in itertools.pairwise(v.playlist.segments)]
    numbered = numbered_segments(seen)
    pairs += [(s, after) for n, s in numbered.items() if (after := numbered.get(n + 1))]
    marked = [after.discontinuity for before, after in pairs if is_move(before, after)]
    return all(marked) if marked else None


def is_move(before: Segment, after: Segment) -> bool:
    old, new = epoch_of_segment(before.uri), epoch_of_segment(after.uri)
    return old is not None and new is not None and new > old
