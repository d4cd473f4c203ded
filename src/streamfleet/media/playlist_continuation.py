"""How one child's segments continue the public window (pure): after a restart, and on a fleet
after the channel moved to another worker.

A child (``prefix``, ``media/hls_args.py``: a new one per FFmpeg start, and per lease epoch
on a fleet) ``resume()``s the public playlist found on disk: its media and discontinuity
sequences go on, the segments it lists (the previous child's, another worker's after a move)
stay until they slide out, and the child's first segment comes after an
``#EXT-X-DISCONTINUITY`` when anything came before it. ``ChildCursor.take()`` picks out of
FFmpeg's private playlist the segments of this child not taken yet (another child's or
epoch's names are never taken) and marks a discontinuity where numbers were skipped. So a
player sees the media sequence only grow and one discontinuity at a move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from streamfleet.media.public_playlist import (
    PublicPlaylist,
    Segment,
    parse_public,
    target_duration_for,
)


def segment_number(uri: str, prefix: str) -> int | None:
    """``n`` of ``<prefix>_<n>.<ext>``, or ``None`` for another child's segment."""
    stem, dot, _ = uri.rpartition(".")
    head, sep, digits = stem.rpartition("_")
    if not dot or not sep or head != prefix or not digits.isdigit():
        return None
    return int(digits)


def resume(public_text: str | None, list_size: int, segment_seconds: float) -> PublicPlaylist:
    """The window a new child continues: the public playlist on disk, else an empty one."""
    loaded = parse_public(public_text, list_size) if public_text is not None else None
    if loaded is not None:
        return loaded
    return PublicPlaylist(target_duration_for(segment_seconds), list_size)


@dataclass(frozen=True, slots=True)
class ChildCursor:
    """Where one child is in its own segments."""

    prefix: str
    last_number: int = -1
    break_next: bool = False
    """The next segment taken comes after an ``#EXT-X-DISCONTINUITY``."""

    @classmethod
    def after(cls, window: PublicPlaylist, prefix: str) -> ChildCursor:
        """A child starting on ``window``: after a discontinuity if anything came before."""
        return cls(prefix, break_next=window.next_media_sequence > 0)

    def take(self, private: Sequence[Segment]) -> tuple[ChildCursor, list[Segment]]:
        """This child's segments of ``private`` (oldest first) not taken yet, and the cursor
        after them."""
        cursor = self
        new: list[Segment] = []
        for segment in private:
            number = segment_number(segment.uri, self.prefix)
            if number is None or number <= cursor.last_number:
                continue
            skipped = cursor.last_number >= 0 and number > cursor.last_number + 1
            if (cursor.break_next or skipped) and not segment.discontinuity:
                segment = replace(segment, discontinuity=True)
            cursor = replace(cursor, last_number=number, break_next=False)
            new.append(segment)
        return cursor, new
