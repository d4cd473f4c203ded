"""Which scheduled backups to keep: every backup of the last days, one a day before that.

Pure: the caller lists the backups by the moment each was taken and passes the
clock. With the defaults (hourly backups kept 7 days, daily kept 30 days):

- every backup younger than ``keep_all`` (7 days) is kept;
- from 7 to 30 days old, the first backup of each UTC day is kept;
- anything older than ``keep_daily`` (30 days) goes;
- the newest backup is always kept, whatever its age (never prune the last one).

Backups are named ``streamfleet-YYYYMMDDTHHMMSSZ`` so the name alone tells when.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

NAME_PREFIX: Final = "streamfleet-"
_NAME_RE: Final = re.compile(r"^streamfleet-(\d{8}T\d{6}Z)$")
_STAMP: Final = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    keep_all: timedelta = timedelta(days=7)
    keep_daily: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if self.keep_all < timedelta(0) or self.keep_daily < self.keep_all:
            raise ValueError("keep_daily must be at least keep_all, and both not negative")


def backup_name(taken_at: datetime) -> str:
    return NAME_PREFIX + taken_at.astimezone(UTC).strftime(_STAMP)


def taken_at(name: str) -> datetime | None:
    """When the backup called ``name`` was taken; ``None`` for a name not ours."""
    match = _NAME_RE.match(name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)


def to_keep(taken: Iterable[datetime], now: datetime, policy: RetentionPolicy) -> set[datetime]:
    """The moments (of ``taken``) whose backups the policy keeps at ``now``."""
    moments = sorted(set(taken))
    if not moments:
        return set()
    keep = {moments[-1]}
    days_seen: set[tuple[int, int, int]] = set()
    for moment in moments:
        age = now - moment
        if age <= policy.keep_all:
            keep.add(moment)
        elif age <= policy.keep_daily:
            day = moment.astimezone(UTC).timetuple()[:3]
            if day not in days_seen:
                days_seen.add(day)
                keep.add(moment)
    return keep


def to_prune(
    finished: Iterable[datetime],
    unfinished: Iterable[datetime],
    now: datetime,
    policy: RetentionPolicy,
) -> set[datetime]:
    """The moments whose backups go: finished ones the policy does not keep, and unfinished
    ones (no manifest) older than the newest finished backup. Same rule on disk and in a bucket."""
    done = set(finished)
    keep = to_keep(done, now, policy)
    newest = max(done, default=None)
    doomed = {moment for moment in done if moment not in keep}
    doomed |= {moment for moment in unfinished if newest is not None and moment < newest}
    return doomed
