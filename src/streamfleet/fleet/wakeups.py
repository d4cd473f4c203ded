"""Wake-ups: an API node tells the workers over Redis that a channel's desired state changed.

The database holds what is wanted (``channels.enabled`` and the configuration); a
wake-up only makes the owner (and the placer) look now instead of at its next sweep,
every ``HEARTBEAT_INTERVAL_S``. A lost wake-up (Redis down) therefore delays a change
by at most one sweep. A command (restart, log tail, probe …) is a row in
``fleet_commands`` that the worker also reads at every sweep: a lost wake-up delays it too,
it does not lose it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import structlog

from streamfleet.domain.commands import COMMAND_ID_LENGTH
from streamfleet.events.redis_channel import RedisChannel, connect

WAKE_CHANNEL: Final = "wake"

log = structlog.get_logger()


class WakeAction(enum.StrEnum):
    APPLY = "apply"
    """Read the channel from the database again (created, changed, enabled, disabled)."""
    RESTART = "restart"
    """Restart the channel's FFmpeg with its stored configuration (what API nodes sent before
    restarts became commands; still honoured, for a rolling upgrade)."""
    FORGET = "forget"
    """The channel was deleted."""
    PLACE = "place"
    """A worker was given a channel (from the placer)."""
    COMMAND = "command"
    """A command row waits (``fleet_commands``); ``command`` names it."""


@dataclass(frozen=True, slots=True)
class Wakeup:
    action: WakeAction
    channel_id: int | None = None
    command: str | None = None

    def to_json(self) -> str:
        body: dict[str, object] = {"action": self.action.value, "channel": self.channel_id}
        if self.command is not None:
            body["command"] = self.command
        return json.dumps(body)

    @classmethod
    def from_json(cls, text: str) -> Wakeup | None:
        try:
            raw = json.loads(text)
            channel = raw.get("channel")
            command = raw.get("command")
            return cls(
                WakeAction(raw["action"]),
                int(channel) if channel is not None else None,
                str(command)[:COMMAND_ID_LENGTH] if command is not None else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("fleet.bad_wakeup")
            return None


class Wakeups:
    """Send wake-ups to the fleet, and (on a worker) receive them."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client = connect(url)
        self._channel = RedisChannel(self._client, f"{prefix}:{WAKE_CHANNEL}")

    def start(self, on_wakeup: Callable[[Wakeup], None] | None = None) -> None:
        def received(text: str) -> None:
            if on_wakeup is not None and (wakeup := Wakeup.from_json(text)) is not None:
                on_wakeup(wakeup)

        self._channel.start(received if on_wakeup is not None else None)

    def send(self, wakeup: Wakeup) -> None:
        self._channel.send(wakeup.to_json())

    async def close(self) -> None:
        await self._channel.close()
        await self._client.aclose()
