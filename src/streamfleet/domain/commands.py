"""Fleet commands: what an API node asks of the worker that runs a channel, as data.

A command is a row (``fleet_commands``): an API node writes it ``pending``, addressed to
the worker holding the channel's lease (or to no worker in particular: "whoever runs the
channel"), and wakes that worker over Redis; the worker carries it out and writes it
``done`` or ``failed`` with a bounded result. A command nobody finished within its
action's ``COMMAND_TTL_S`` is ``expired`` (by the worker that finds it, or by the
fleet's retention). Every state but ``pending`` is final::

    pending ──▶ done | failed | expired

Pure: no I/O, no clock (times come in as arguments).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Final

from streamfleet.domain.errors import InvalidInput

MAX_ARGS_BYTES: Final = 8_192
"""The largest JSON argument of a command (a probe URL is at most 4096 characters)."""
MAX_RESULT_BYTES: Final = 65_536
"""The largest JSON result a worker stores (200 log lines of up to 300 characters fit)."""
MAX_LOG_LINE_CHARS: Final = 300
"""A log line longer than this is cut when it travels as a command result."""
MAX_ERROR_CHARS: Final = 500
"""The longest reason a failed command records."""
COMMAND_ID_LENGTH: Final = 36
"""A command id is a UUID in its 36-character text form."""
KEEP_FINISHED: Final = timedelta(hours=1)
"""How long a command row stays after it was created; the fleet's retention removes it then."""


class CommandAction(enum.StrEnum):
    START = "start"
    STOP = "stop"
    RESTART = "restart"
    LOG_TAIL = "log_tail"
    PROBE = "probe"


class CommandState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self is not CommandState.PENDING


COMMAND_TTL_S: Final[dict[CommandAction, float]] = {
    CommandAction.START: 600.0,
    CommandAction.STOP: 600.0,
    CommandAction.RESTART: 600.0,
    CommandAction.LOG_TAIL: 60.0,
    CommandAction.PROBE: 60.0,
}
"""How long a command may stay pending before it is expired instead of carried out: a
restart asked for ten minutes ago, or a log nobody waits for any more, is not worth doing."""

ANY_HOLDER: Final = None
"""The target of a command that whoever holds the channel's lease finishes (a start, or a
restart of a channel no worker runs: starting it is the restart)."""


@dataclass(frozen=True, slots=True)
class Command:
    """One command as stored."""

    id: str
    action: CommandAction
    channel_id: int | None
    target: str | None
    """The worker that must carry it out; ``ANY_HOLDER`` (None): whoever runs the channel."""
    state: CommandState
    created_at: datetime
    args: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None
    finished_at: datetime | None = None

    def expired_at(self, now: datetime) -> bool:
        """Whether it is still pending past its action's TTL at ``now``."""
        ttl = timedelta(seconds=COMMAND_TTL_S[self.action])
        return self.state is CommandState.PENDING and now - self.created_at > ttl

    def seen_at(self, now: datetime) -> Command:
        """The command as it stands at ``now``: pending past its TTL reads ``expired`` even
        before the fleet's retention writes it so."""
        return replace(self, state=CommandState.EXPIRED) if self.expired_at(now) else self


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a command ended: its final state, result and reason."""

    state: CommandState
    result: dict[str, Any] | None = None
    error: str | None = None

    @classmethod
    def done(cls, result: dict[str, Any] | None = None) -> Outcome:
        return cls(CommandState.DONE, result)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls(CommandState.FAILED, error=short_error(error))


def bounded_json(value: dict[str, Any], limit: int, *, field_name: str) -> dict[str, Any]:
    """``value`` if its JSON form fits in ``limit`` bytes; ``InvalidInput(field_name)`` if not."""
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > limit:
        raise InvalidInput.of(field_name, f"is {size} bytes as JSON; at most {limit}")
    return value


def log_result(lines: list[str]) -> dict[str, Any]:
    """A log tail as a command result: the newest lines, each cut, within ``MAX_RESULT_BYTES``."""
    cut = [line[:MAX_LOG_LINE_CHARS] for line in lines]
    while cut and len(json.dumps({"lines": cut}).encode()) > MAX_RESULT_BYTES:
        cut = cut[1:]  # the oldest go first
    return {"lines": cut}


def short_error(text: str) -> str:
    return text[:MAX_ERROR_CHARS]
