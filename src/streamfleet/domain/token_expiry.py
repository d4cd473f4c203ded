"""When a token made on the command line expires: a lifetime from now (``90m``, ``12h``,
``30d``, ``2w``) or an instant (``2027-01-31``, ``2027-01-31T18:00+01:00``; no offset means
UTC, a bare date means its midnight UTC), between one minute and ten years away."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

from streamfleet.domain.errors import InvalidInput

MIN_LIFETIME: Final = timedelta(minutes=1)
MAX_LIFETIME: Final = timedelta(days=3650)
UNITS: Final = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_LIFETIME: Final = re.compile(r"(\d{1,7})([mhdw])")
MAX_TEXT_LENGTH: Final = 64
FIELD: Final = "expires"
USAGE: Final = "a lifetime such as 90m, 12h, 30d or 2w, or a date such as 2027-01-31"


def parse_expiry(text: str, now: datetime) -> datetime:
    """The instant ``text`` names, seen from ``now`` (aware); ``InvalidInput`` on ``expires``
    when it is neither form or is not between ``MIN_LIFETIME`` and ``MAX_LIFETIME`` away."""
    text = text.strip()
    lifetime = _LIFETIME.fullmatch(text) if len(text) <= MAX_TEXT_LENGTH else None
    if lifetime is not None:
        count, unit = lifetime.groups()
        if int(count) * UNITS[unit] > MAX_LIFETIME:
            raise InvalidInput.of(FIELD, f"at most {MAX_LIFETIME.days} days")
        at = now + int(count) * UNITS[unit]
    else:
        at = _instant(text)
    if at - now < MIN_LIFETIME:
        raise InvalidInput.of(FIELD, "must be at least a minute in the future")
    if at - now > MAX_LIFETIME:
        raise InvalidInput.of(FIELD, f"at most {MAX_LIFETIME.days} days")
    return at


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text) if len(text) <= MAX_TEXT_LENGTH else None
    except ValueError:
        at = None
    if at is None:
        raise InvalidInput.of(FIELD, f"use {USAGE}")
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
