"""A worker's command runner on PostgreSQL and MariaDB: it carries out what is addressed to it,
writes each channel's answer under that channel's lease (a worker that lost the channel writes
nothing), and expires what waited too long instead of doing it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.db.repositories.commands import CommandRepository
from streamfleet.db.session import Database
from streamfleet.domain.commands import ANY_HOLDER, Command, CommandAction, CommandState
from streamfleet.fleet.command_runner import CommandRunner
from streamfleet.media.probe_report import ProbeReport
from tests.integration.cluster.conftest import add_channels


class Host:
    """The worker side the runner drives: the leases it runs under, and what it was asked."""

    def __init__(self, leases: Mapping[int, ChannelLease]) -> None:
        self.leases = dict(leases)
        self.restarted: list[int] = []

    def running_leases(self) -> Mapping[int, ChannelLease]:
        return dict(self.leases)

    async def restart(self, channel_id: int) -> bool:
        self.restarted.append(channel_id)
        return channel_id in self.leases

    async def log_tail(self, channel_id: int) -> list[str]:
        return ["Input #0, mpegts, from 'srt://h:9000?passphrase=secretsecret1':", "frame=1"]

    async def probe_source(self, url: str) -> ProbeReport:
        return ProbeReport(ok=True, format="mpegts")


def command(
    action: CommandAction, channel_id: int, target: str | None, age: timedelta = timedelta(0)
) -> Command:
    return Command(
        str(uuid.uuid4()),
        action,
        channel_id,
        target,
        CommandState.PENDING,
        datetime.now(UTC) - age,
    )


def runner_for(database: Database, worker: str, host: Host) -> CommandRunner:
    commands = CommandRepository(database.sessions)
    return CommandRunner(
        worker, commands, LeaseBook(database), host, None, now=lambda: datetime.now(UTC)
    )


async def test_a_restart_and_a_log_tail_are_carried_out_and_answered_under_the_lease(
    database: Database,
) -> None:
    [channel_id] = await add_channels(database, 1)
    lease = await LeaseBook(database).claim_specific(channel_id, "w1")
    assert lease is not None
    commands = CommandRepository(database.sessions)
    restart = await commands.add(command(CommandAction.RESTART, channel_id, "w1"))
    log = await commands.add(command(CommandAction.LOG_TAIL, channel_id, "w1"))
    host = Host({channel_id: lease})

    await runner_for(database, "w1", host).run_pending()

    assert host.restarted == [channel_id]
    assert (await commands.get(restart.id)).state is CommandState.DONE
    answered = await commands.get(log.id)
    assert answered.state is CommandState.DONE
    assert answered.result is not None
    assert answered.result["lines"][1] == "frame=1"
    assert "secretsecret1" not in str(answered.result)


async def test_a_worker_whose_lease_moved_writes_no_answer(database: Database) -> None:
    [channel_id] = await add_channels(database, 1)
    book = LeaseBook(database)
    old = await book.claim_specific(channel_id, "w1")
    assert old is not None
    assert await book.release(old)
    assert await book.claim_specific(channel_id, "w2") is not None
    commands = CommandRepository(database.sessions)
    restart = await commands.add(command(CommandAction.RESTART, channel_id, "w1"))

    await runner_for(database, "w1", Host({channel_id: old})).run_pending()

    assert (await commands.get(restart.id)).state is CommandState.PENDING


async def test_a_start_for_any_holder_is_done_by_the_worker_running_the_channel_only(
    database: Database,
) -> None:
    mine, other = await add_channels(database, 2)
    lease = await LeaseBook(database).claim_specific(mine, "w1")
    assert lease is not None
    commands = CommandRepository(database.sessions)
    started = await commands.add(command(CommandAction.START, mine, ANY_HOLDER))
    waiting = await commands.add(command(CommandAction.START, other, ANY_HOLDER))

    await runner_for(database, "w1", Host({mine: lease})).run_pending()

    assert (await commands.get(started.id)).state is CommandState.DONE
    assert (await commands.get(waiting.id)).state is CommandState.PENDING


async def test_a_command_past_its_ttl_is_expired_not_carried_out(database: Database) -> None:
    [channel_id] = await add_channels(database, 1)
    lease = await LeaseBook(database).claim_specific(channel_id, "w1")
    assert lease is not None
    commands = CommandRepository(database.sessions)
    late = await commands.add(
        command(CommandAction.RESTART, channel_id, "w1", age=timedelta(minutes=11))
    )
    host = Host({channel_id: lease})

    await runner_for(database, "w1", host).run_pending()

    assert host.restarted == []
    assert (await commands.get(late.id)).state is CommandState.EXPIRED


async def test_a_restart_of_a_channel_not_running_here_fails_saying_so(
    database: Database,
) -> None:
    [channel_id] = await add_channels(database, 1)
    commands = CommandRepository(database.sessions)
    restart = await commands.add(command(CommandAction.RESTART, channel_id, "w1"))

    await runner_for(database, "w1", Host({})).run_pending()

    failed = await commands.get(restart.id)
    assert failed.state is CommandState.FAILED
    assert failed.error == f"channel {channel_id} does not run on worker w1"
