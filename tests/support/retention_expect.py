"""What the default retention policy must leave, written out plainly for the schedule tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def kept_by_default_policy(
    moments: Iterable[datetime], now: datetime
) -> tuple[set[datetime], set[datetime]]:
    """(every backup of the last 7 days, the first of each UTC day from 7 to 30 days old)."""
    taken = list(moments)
    recent = {m for m in taken if now - m <= timedelta(days=7)}
    in_daily_window = sorted(m for m in taken if timedelta(days=7) < now - m <= timedelta(days=30))
    first_of_each_day = {
        min(m for m in in_daily_window if m.date() == d)
        for d in {m.date() for m in in_daily_window}
    }
    return recent, first_of_each_day
