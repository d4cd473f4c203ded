"""The alert rules streamfleet knows, their severities, and what a target may filter on."""

from __future__ import annotations

import enum
from typing import Final

from streamfleet.domain.content_check import ContentCheck


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class Rule(enum.StrEnum):
    OFFLINE = "offline"
    DEGRADED = "degraded"
    FLAPPING = "flapping"
    CONTENT_BLACK = "content_black"
    CONTENT_FREEZE = "content_freeze"
    CONTENT_SILENCE = "content_silence"
    WORKER_LOST = "worker_lost"
    """A fleet worker stopped heart-beating (``fleet/worker_watch.py``, ``alerts/hooks.py``)."""
    BACKUP_FAILED = "backup_failed"
    """A scheduled backup failed, or the newest is older than twice the interval."""
    ARCHIVE_SPACE = "archive_space"
    """The archive's disk stayed under the free-space floor: recording is paused."""


class NotificationEvent(enum.StrEnum):
    OPENED = "opened"
    RESOLVED = "resolved"
    TEST = "test"


class NotificationState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class TargetKind(enum.StrEnum):
    WEBHOOK = "webhook"
    APPRISE = "apprise"


RULE_SEVERITY: Final[dict[Rule, Severity]] = {
    Rule.OFFLINE: Severity.CRITICAL,
    Rule.DEGRADED: Severity.WARNING,
    Rule.FLAPPING: Severity.WARNING,
    Rule.CONTENT_BLACK: Severity.WARNING,
    Rule.CONTENT_FREEZE: Severity.WARNING,
    Rule.CONTENT_SILENCE: Severity.WARNING,
    Rule.WORKER_LOST: Severity.CRITICAL,
    Rule.BACKUP_FAILED: Severity.CRITICAL,
    Rule.ARCHIVE_SPACE: Severity.CRITICAL,
}

CONTENT_RULES: Final[dict[str, Rule]] = {
    ContentCheck.BLACK: Rule.CONTENT_BLACK,
    ContentCheck.FREEZE: Rule.CONTENT_FREEZE,
    ContentCheck.SILENCE: Rule.CONTENT_SILENCE,
}
"""The ``check`` of a ``content`` envelope → the rule it feeds."""

WORKER_SUBJECT_PREFIX: Final = "worker:"
BACKUP_SUBJECT: Final = "backups"
ARCHIVE_SUBJECT: Final = "archive:disk"
"""The subject of the archive's free-space alert (a ':' no slug holds)."""
"""The subject of the scheduled-backup alert (there is one schedule per deployment)."""
"""Alerts are keyed by subject: a channel slug, or ``worker:<name>`` (slugs hold no ':')."""


def worker_subject(name: str) -> str:
    return f"{WORKER_SUBJECT_PREFIX}{name}"
