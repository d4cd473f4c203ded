"""A time given from outside (a query's ``from``, ``since``…) as an aware UTC datetime (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from streamfleet.domain.errors import InvalidInput


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
