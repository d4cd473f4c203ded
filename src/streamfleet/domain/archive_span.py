"""The one rule for a span of the archive given from outside (``from``, ``to``): both carry a
time zone (with a UTC equivalent), ``to`` comes after ``from``, and the span is not longer
than its use allows (pure).

The recordings listing, the catch-up playlists and an export take at most ``MAX_SPAN`` (a
day: the dashboard's timeline, a catch-up playlist, an MP4 one can still download); a lock
takes at most ``MAX_LOCK_SPAN``. Every refusal names its field.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.zoned_time import zoned

MAX_SPAN: Final = timedelta(days=1)
MAX_LOCK_SPAN: Final = timedelta(days=366)
MAX_SPAN_SEGMENTS: Final = 200_000
"""Index rows read for one span: a day of 0.5 s segments (a ladder of 3 at 2 s: 130 000)."""


def check_zones(start: datetime | None, end: datetime | None) -> None:
    zoned("from", start)
    zoned("to", end)


def check_span(start: datetime, end: datetime, max_span: timedelta = MAX_SPAN) -> None:
    """Raise ``InvalidInput`` naming ``from`` or ``to`` for a span that breaks the rule."""
    check_zones(start, end)
    if end <= start:
        raise InvalidInput.of("to", "must be after from")
    if end - start > max_span:
        raise InvalidInput.of("to", f"must be at most {length_text(max_span)} after from")


def checked_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """``(start, end)`` when the span keeps the rule for ``MAX_SPAN``."""
    check_span(start, end)
    return start, end


def length_text(span: timedelta) -> str:
    """``24 hours``, ``366 days``."""
    hours = span.total_seconds() / 3600
    return f"{hours:g} hours" if hours <= 48 else f"{span.days} days"
