"""The audit log's vocabulary: what actions are recorded, and how changed fields are written.

An audit entry says who did ``action`` to which target, from where, with the
changed fields as ``{field: [old, new]}``. Secrets never reach an entry:
``field_changes`` masks them by field name (passphrases, stream keys, target
secrets, passwords, tokens → ``"***"``; URLs pass ``url_policy.redact``), and
long values are cut so one entry stays small.

The listing is paged by an opaque cursor over ``(at, id)`` descending:
``encode_cursor``/``decode_cursor`` own its format.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.url_policy import redact

MASK: Final = "***"
SECRET_FIELDS: Final = frozenset(
    {
        "passphrase",
        "stream_key",
        "stream_key_sha256",
        "secret",
        "password",
        "token",
        "access_token",
        "token_hash",
    }
)
"""Fields whose value is replaced by ``***`` (``None`` stays ``None``: set or cleared shows)."""
URL_FIELDS: Final = frozenset({"input_url", "backup_url", "url", "publish_url"})
"""Fields holding a URL: credentials and secret query values are masked by ``redact``."""
UNAUDITED_FIELDS: Final = frozenset({"id", "created_at", "updated_at"})
"""Fields that change with every write and say nothing about what was done."""

MAX_TEXT_CHARS: Final = 500
"""A longer string value is cut to this many characters (and ``…``)."""
MAX_LIST_ITEMS: Final = 100
"""A longer list value keeps its first this many items."""

Changes = dict[str, list[Any]]
"""``{field: [old, new]}``; ``None`` for the side that does not exist (create, delete)."""


class AuditAction(enum.StrEnum):
    """Every action the audit log records; ``<target type>.<verb>``."""

    CHANNEL_CREATE = "channel.create"
    CHANNEL_UPDATE = "channel.update"
    CHANNEL_DELETE = "channel.delete"
    CHANNEL_START = "channel.start"
    CHANNEL_STOP = "channel.stop"
    CHANNEL_RESTART = "channel.restart"
    CHANNEL_IMPORT = "channel.import"
    CHANNEL_REVEAL = "channel.reveal"
    """The channel's source URLs and passphrase were read in full (``GET …/source``)."""
    CHANNEL_KEY_ROTATE = "channel.key_rotate"
    """A ``push_rtmp`` channel got a new stream key (``POST …/stream_key``)."""
    CHANNEL_EXPORT = "channel.export"
    """Every channel's configuration, secrets included, was exported (``GET …/export``)."""
    EXPORT_CREATE = "export.create"
    """An MP4 export of a span of a channel's archive was queued."""
    LOCK_CREATE = "lock.create"
    LOCK_DELETE = "lock.delete"
    TARGET_CREATE = "target.create"
    TARGET_UPDATE = "target.update"
    TARGET_DELETE = "target.delete"
    TARGET_TEST = "target.test"
    ALERT_ACK = "alert.ack"
    NOTIFICATION_RETRY = "notification.retry"
    WORKER_DRAIN = "worker.drain"
    """A fleet worker was asked to move its channels away and take no new ones."""
    BACKUP_CREATE = "backup.create"
    BACKUP_RESTORE = "backup.restore"
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    TOKEN_CREATE = "token.create"  # noqa: S105 (an action name, not a secret)
    TOKEN_REVOKE = "token.revoke"  # noqa: S105
    AUTH_LOGIN = "auth.login"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOGOUT = "auth.logout"


def masked(field: str, value: Any) -> Any:
    """``value`` as an audit entry may show it: secrets masked, long values cut."""
    if value is None:
        return None
    name = field.rsplit(".", 1)[-1]
    if name in SECRET_FIELDS:
        return MASK
    if name in URL_FIELDS and isinstance(value, str):
        return _cut(redact(value))
    return _shown(value)


def field_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> Changes:
    """The fields that differ between ``old`` and ``new`` (either may be ``None``), masked.

    Values are compared as given and shown masked, so a changed secret is
    recorded as ``["***", "***"]``: that it changed, never what it is."""
    before, after = old or {}, new or {}
    changes: Changes = {}
    for field in sorted(set(before) | set(after)):
        if field in UNAUDITED_FIELDS:
            continue
        was, now = before.get(field), after.get(field)
        if was == now:
            continue
        changes[field] = [masked(field, was), masked(field, now)]
    return changes


def _shown(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return _shown(value.value)
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): masked(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        return [_shown(v) for v in items[:MAX_LIST_ITEMS]]
    return _cut(str(value))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS] + "…"


# The paging cursor ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditCursor:
    """Where the next page starts: entries strictly older than ``(at, id)``."""

    at: datetime
    id: int


CURSOR_FIELD: Final = "cursor"
MAX_CURSOR_CHARS: Final = 200
MAX_ENTRY_ID: Final = 2**63 - 1


def encode_cursor(cursor: AuditCursor) -> str:
    text = json.dumps([cursor.at.astimezone(UTC).isoformat(), cursor.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> AuditCursor:
    """The cursor ``encode_cursor`` wrote; anything else is ``InvalidInput`` naming ``cursor``."""
    bad = InvalidInput.of(CURSOR_FIELD, "is not a cursor this server handed out")
    if len(text) > MAX_CURSOR_CHARS:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        at_text, entry_id = json.loads(raw.decode())
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None:
            raise ValueError("naive")
        at = at.astimezone(UTC)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, OverflowError):
        raise bad from None
    if type(entry_id) is not int or not 1 <= entry_id <= MAX_ENTRY_ID:
        raise bad
    return AuditCursor(at, entry_id)
