"""The one way a time is written in the API, events and notifications."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(at: datetime) -> str:
    """``2026-11-24T19:45:00.123Z``: ISO 8601 in UTC with milliseconds; naive means UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
