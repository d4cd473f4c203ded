"""Fleet commands in the database: written by API nodes, finished by workers.

A command leaves ``pending`` once, through a conditional ``UPDATE … WHERE state =
'pending'`` (``finish_in``): a worker's answer never overwrites an expiry or another
answer. A worker finishes a channel's command inside its lease's fenced transaction
(``fleet/command_runner.py``), so a worker that lost the channel writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.command_models import CommandRow
from streamfleet.db.session import transaction
from streamfleet.domain.commands import (
    COMMAND_TTL_S,
    Command,
    CommandAction,
    CommandState,
    Outcome,
)
from streamfleet.domain.errors import NotFound

PENDING_BATCH = 50
"""The most pending commands a worker reads at once."""


class CommandRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, command: Command) -> Command:
        async with transaction(self._sessions) as session:
            session.add(
                CommandRow(
                    id=command.id,
                    action=command.action.value,
                    channel_id=command.channel_id,
                    target_worker=command.target,
                    args=dict(command.args),
                    state=command.state.value,
                    result=command.result,
                    error=command.error,
                    created_at=command.created_at,
                    finished_at=command.finished_at,
                )
            )
        return command

    async def get(self, command_id: str) -> Command:
        async with self._sessions() as session:
            row = await session.get(CommandRow, command_id)
            if row is None:
                raise NotFound(f"command {command_id} not found")
            return _command(row)

    async def pending_for(self, worker_id: str, running: Collection[int]) -> list[Command]:
        """Pending commands addressed to ``worker_id``, and those for any holder of a channel
        in ``running`` (the channels the worker runs), oldest first."""
        addressed = CommandRow.target_worker == worker_id
        held = and_(CommandRow.target_worker.is_(None), CommandRow.channel_id.in_(list(running)))
        query = (
            select(CommandRow)
            .where(CommandRow.state == CommandState.PENDING.value, or_(addressed, held))
            .order_by(CommandRow.created_at, CommandRow.id)
            .limit(PENDING_BATCH)
        )
        async with self._sessions() as session:
            return [_command(row) for row in (await session.scalars(query)).all()]

    async def finish(self, command: Command, outcome: Outcome, now: datetime) -> bool:
        """Record ``outcome`` for a command that is still pending; False when it was not."""
        async with transaction(self._sessions) as session:
            return await finish_in(session, command, outcome, now)

    async def expire(self, now: datetime) -> int:
        """Mark every command pending past its action's TTL ``expired``; how many."""
        expired = 0
        async with transaction(self._sessions) as session:
            for action, ttl_s in COMMAND_TTL_S.items():
                result = await session.execute(
                    update(CommandRow)
                    .where(
                        CommandRow.state == CommandState.PENDING.value,
                        CommandRow.action == action.value,
                        CommandRow.created_at < now - timedelta(seconds=ttl_s),
                    )
                    .values(state=CommandState.EXPIRED.value, finished_at=now)
                    .execution_options(synchronize_session=False)
                )
                expired += _rowcount(result)
        return expired

    async def delete_before(self, cutoff: datetime) -> int:
        """Remove the commands created before ``cutoff``; how many."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                delete(CommandRow)
                .where(CommandRow.created_at < cutoff)
                .execution_options(synchronize_session=False)
            )
        return _rowcount(result)


async def finish_in(
    session: AsyncSession, command: Command, outcome: Outcome, now: datetime
) -> bool:
    """Within ``session``: record ``outcome`` if the command is still pending."""
    result = await session.execute(
        update(CommandRow)
        .where(CommandRow.id == command.id, CommandRow.state == CommandState.PENDING.value)
        .values(
            state=outcome.state.value,
            result=outcome.result,
            error=outcome.error,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def _command(row: CommandRow) -> Command:
    return Command(
        id=row.id,
        action=CommandAction(row.action),
        channel_id=row.channel_id,
        target=row.target_worker,
        state=CommandState(row.state),
        created_at=row.created_at,
        args=dict(row.args or {}),
        result=row.result,
        error=row.error,
        finished_at=row.finished_at,
    )


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
