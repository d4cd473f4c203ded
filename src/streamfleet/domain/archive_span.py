"""A span of the archive asked for from outside (pure): zoned times, ``to`` after ``from``, a day.

The recordings API and the catch-up playlists take the same ``from``/``to`` pair; both
refuse a time without a zone, a ``to`` not after ``from`` and a span over ``MAX_SPAN``,
naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final, overload

from streamfleet.domain.errors import InvalidInput

MAX_SPAN: Final = timedelta(days=1)
"""The longest span one answer covers: a day (the dashboard's timeline, a catch-up playlist)."""
MAX_SPAN_SEGMENTS: Final = 200_000
"""Index rows read for one answer: a day of 0.5 s segments (a ladder of 3 at 2 s: 130 000)."""


@overload
def zoned(field: str, value: datetime) -> datetime: ...
@overload
def zoned(field: str, value: None) -> None: ...
@overload
def zoned(field: str, value: datetime | None) -> datetime | None: ...
def zoned(field: str, value: datetime | None) -> datetime | None:
    """``value`` in UTC when it carries a time zone (or absent); a naive time, or one that has
    no UTC equivalent (year 1 at +01:00), names ``field``."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput.of(field, "must carry a time zone (e.g. Z)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput.of(field, "is out of range") from None


def checked_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """``(start, end)`` when ``end`` is after ``start`` by at most ``MAX_SPAN``."""
    if end <= start:
        raise InvalidInput.of("to", "must be after from")
    if end - start > MAX_SPAN:
        raise InvalidInput.of("to", "must be at most 24 hours after from")
    return start, end
