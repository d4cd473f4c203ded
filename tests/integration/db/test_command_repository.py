"""Fleet command rows on SQLite, PostgreSQL and MariaDB: who reads which pending command, a
command finishes once, expiry by action, and old rows go."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.db import migrate
from streamfleet.db.repositories.commands import CommandRepository
from streamfleet.db.session import Database
from streamfleet.domain.commands import (
    ANY_HOLDER,
    KEEP_FINISHED,
    Command,
    CommandAction,
    CommandState,
    Outcome,
)
from streamfleet.domain.errors import NotFound

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
async def commands(database_url: str) -> AsyncIterator[CommandRepository]:
    database = Database(database_url)
    await migrate.upgrade(database)
    try:
        yield CommandRepository(database.sessions)
    finally:
        await database.dispose()


def command(
    action: CommandAction,
    channel_id: int | None,
    target: str | None,
    *,
    age: timedelta = timedelta(0),
) -> Command:
    return Command(
        id=str(uuid.uuid4()),
        action=action,
        channel_id=channel_id,
        target=target,
        state=CommandState.PENDING,
        created_at=NOW - age,
        args={"url": "udp://127.0.0.1:5000"} if action is CommandAction.PROBE else {},
    )


async def test_a_worker_reads_its_own_and_those_for_any_holder_of_its_channels(
    commands: CommandRepository,
) -> None:
    mine = await commands.add(command(CommandAction.RESTART, 1, "w1", age=timedelta(seconds=1)))
    probe = await commands.add(command(CommandAction.PROBE, None, "w1", age=timedelta(seconds=2)))
    held = await commands.add(command(CommandAction.START, 2, ANY_HOLDER))
    await commands.add(command(CommandAction.RESTART, 3, "w2"))
    await commands.add(command(CommandAction.START, 4, ANY_HOLDER))

    pending = await commands.pending_for("w1", [1, 2])

    assert [c.id for c in pending] == [probe.id, mine.id, held.id], "oldest first"
    assert pending[0].args == {"url": "udp://127.0.0.1:5000"}
    assert await commands.pending_for("w1", []) == [probe, mine]


async def test_a_command_finishes_once_and_leaves_the_pending_list(
    commands: CommandRepository,
) -> None:
    log = await commands.add(command(CommandAction.LOG_TAIL, 1, "w1"))

    assert await commands.finish(log, Outcome.done({"lines": ["a"]}), NOW)
    assert not await commands.finish(log, Outcome.failed("late"), NOW)

    stored = await commands.get(log.id)
    assert (stored.state, stored.result, stored.error) == (
        CommandState.DONE,
        {"lines": ["a"]},
        None,
    )
    assert stored.finished_at == NOW
    assert await commands.pending_for("w1", [1]) == []


async def test_pending_commands_expire_after_their_actions_ttl_and_old_rows_go(
    commands: CommandRepository,
) -> None:
    stale_log = await commands.add(
        command(CommandAction.LOG_TAIL, 1, "w1", age=timedelta(minutes=2))
    )
    young_restart = await commands.add(
        command(CommandAction.RESTART, 1, "w1", age=timedelta(minutes=2))
    )
    ancient = await commands.add(
        command(CommandAction.STOP, 1, "w1", age=KEEP_FINISHED + timedelta(minutes=1))
    )

    assert await commands.expire(NOW) == 2  # the log tail (60 s) and the ancient stop

    assert (await commands.get(stale_log.id)).state is CommandState.EXPIRED
    assert (await commands.get(young_restart.id)).state is CommandState.PENDING
    assert await commands.delete_before(NOW - KEEP_FINISHED) == 1
    assert {c.id for c in await commands.pending_for("w1", [1])} == {young_restart.id}
    with pytest.raises(NotFound):
        await commands.get(ancient.id)
