"""``CommandDesk``: an API node hands a command to a worker and waits a little for the answer.

    command = await desk.issue(CommandAction.RESTART, channel_id, target="worker-1")
    command = await desk.settle(command)    # final, or still pending after ``wait_s``

``issue`` writes the row (``pending``) before anything else, then wakes the fleet over
Redis naming the command: the row is what the worker carries out, at the wake-up or at
its next sweep, so a lost wake-up delays a command and never loses it. ``settle`` blocks
on the command's Redis reply (``CommandReplies``) for at most ``wait_s`` and then reads
the row, which is the truth; while Redis cannot be reached it reads the row every
``POLL_INTERVAL_S`` instead.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from streamfleet.db.repositories.commands import CommandRepository
from streamfleet.domain.commands import (
    MAX_ARGS_BYTES,
    Command,
    CommandAction,
    CommandState,
    bounded_json,
)
from streamfleet.fleet.command_replies import CommandReplies
from streamfleet.fleet.wakeups import WakeAction, Wakeup, Wakeups

POLL_INTERVAL_S: Final = 0.2
"""How often ``settle`` reads the row while Redis cannot be reached."""


class CommandDesk:
    def __init__(
        self,
        commands: CommandRepository,
        replies: CommandReplies,
        wakeups: Wakeups,
        *,
        wait_s: float,
        now: Callable[[], datetime],
    ) -> None:
        self.commands = commands
        self._replies = replies
        self._wakeups = wakeups
        self.wait_s = wait_s
        self._now = now

    async def issue(
        self,
        action: CommandAction,
        channel_id: int | None,
        *,
        target: str | None,
        args: dict[str, Any] | None = None,
    ) -> Command:
        """Write the command ``pending`` for ``target`` (None: whoever holds the channel's
        lease), then wake the fleet."""
        command = Command(
            id=str(uuid.uuid4()),
            action=action,
            channel_id=channel_id,
            target=target,
            state=CommandState.PENDING,
            created_at=self._now(),
            args=bounded_json(args or {}, MAX_ARGS_BYTES, field_name="args"),
        )
        await self.commands.add(command)
        self._wakeups.send(Wakeup(WakeAction.COMMAND, channel_id, command=command.id))
        return command

    async def settle(self, command: Command) -> Command:
        """The command once it is final, or as it stands after ``wait_s``."""
        deadline = time.monotonic() + self.wait_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return await self.commands.get(command.id)
            replied = await self._replies.wait(command.id, remaining)
            latest = await self.commands.get(command.id)
            if latest.state.final or replied is False:
                return latest
            if replied is None:  # Redis is down: the row, at a short interval
                await asyncio.sleep(min(POLL_INTERVAL_S, max(remaining, 0.0)))

    async def close(self) -> None:
        await self._replies.close()
