"""``CommandRunner``: a worker carries out the commands addressed to it (``fleet_commands``).

    runner = CommandRunner(worker_id, commands, book, host, replies, now=utc_now)
    await runner.run_pending()     # after every follow: on a wake-up and at every sweep
    await runner.close()           # cancels probes still running

It reads the pending commands addressed to this worker, and those addressed to whoever
holds a channel it runs (a start, or a restart of a channel nobody ran). For each:

- ``start`` (any holder): done, the channel runs here;
- ``stop``: done once the channel no longer runs here (the follow before stopped it: the
  route had written ``enabled = false``); still running: left for the next pass;
- ``restart``: the channel's FFmpeg restarts with its stored configuration;
- ``log_tail``: the last FFmpeg lines, redacted and cut (``log_result``);
- ``probe``: the source (its URL checked again by the URL policy) is probed from here, in
  a task of its own (at most ``MAX_PROBES`` at once), so a slow source holds up nothing;
- a channel command for a channel that does not run here: failed, saying so;
- a command pending past its action's TTL: expired, not carried out.

The answer for a channel this worker runs is written inside the lease's fenced
transaction (a worker that lost the channel writes nothing); then the issuing API node is
told over Redis (``CommandReplies``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Final, Protocol

import structlog

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.cluster.errors import StaleEpoch
from streamfleet.cluster.keeper import RENEWAL_FAILURES
from streamfleet.db.repositories.commands import CommandRepository, finish_in
from streamfleet.domain.commands import (
    MAX_RESULT_BYTES,
    Command,
    CommandAction,
    CommandState,
    Outcome,
    bounded_json,
    log_result,
)
from streamfleet.domain.errors import StreamfleetError
from streamfleet.domain.url_policy import check_input_url
from streamfleet.fleet.command_replies import CommandReplies
from streamfleet.logs import redact_text
from streamfleet.media.probe_report import ProbeReport

MAX_PROBES: Final = 4
"""Source probes a worker runs at once for API nodes; more wait for the next pass."""

log = structlog.get_logger()


class CommandHost(Protocol):
    """What the runner needs of its worker (``FleetWorker``)."""

    def running_leases(self) -> Mapping[int, ChannelLease]: ...

    async def restart(self, channel_id: int) -> bool: ...

    async def log_tail(self, channel_id: int) -> list[str]: ...

    async def probe_source(self, url: str) -> ProbeReport: ...


class CommandRunner:
    def __init__(
        self,
        worker_id: str,
        commands: CommandRepository,
        book: LeaseBook,
        host: CommandHost,
        replies: CommandReplies | None,
        *,
        now: Callable[[], datetime],
    ) -> None:
        self._worker_id = worker_id
        self._commands = commands
        self._book = book
        self._host = host
        self._replies = replies
        self._now = now
        self._probes: dict[str, asyncio.Task[None]] = {}

    async def run_pending(self) -> None:
        running = self._host.running_leases()
        for command in await self._commands.pending_for(self._worker_id, running):
            if command.id in self._probes:
                continue
            if command.expired_at(self._now()):
                await self._finish(command, Outcome(CommandState.EXPIRED), None)
            elif command.action is CommandAction.PROBE:
                if len(self._probes) < MAX_PROBES:
                    self._probes[command.id] = asyncio.create_task(
                        self._probe(command), name=f"fleet-probe-{command.id}"
                    )
            else:
                await self._channel_command(command, self._host.running_leases())

    async def close(self) -> None:
        probes, self._probes = list(self._probes.values()), {}
        for task in probes:
            task.cancel()
        for task in probes:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _channel_command(self, command: Command, running: Mapping[int, ChannelLease]) -> None:
        assert command.channel_id is not None
        lease = running.get(command.channel_id)
        if command.action is CommandAction.STOP:
            if lease is None:
                await self._finish(command, Outcome.done(), None)
            return  # still running: the next follow stops it
        if lease is None:
            await self._finish(command, Outcome.failed(self._not_here(command.channel_id)), None)
            return
        if command.target is None:  # start, or restart of a channel nobody ran: it runs here
            await self._finish(command, Outcome.done(), lease)
            return
        outcome = await self._carry_out(command)
        await self._finish(command, outcome, lease)

    async def _carry_out(self, command: Command) -> Outcome:
        assert command.channel_id is not None
        try:
            if command.action is CommandAction.RESTART:
                if not await self._host.restart(command.channel_id):
                    return Outcome.failed(self._not_here(command.channel_id))
                return Outcome.done()
            if command.action is CommandAction.LOG_TAIL:
                lines = await self._host.log_tail(command.channel_id)
                return Outcome.done(log_result([redact_text(line) for line in lines]))
            return Outcome.done()  # start: it runs here
        except (StreamfleetError, OSError) as exc:
            return Outcome.failed(f"{type(exc).__name__}: {exc}")

    async def _probe(self, command: Command) -> None:
        try:
            url = check_input_url(str(command.args.get("url", "")), field="url")
            report = await self._host.probe_source(url)
            result = bounded_json(
                {"report": report.to_dict()}, MAX_RESULT_BYTES, field_name="report"
            )
            outcome = Outcome.done(result)
        except (StreamfleetError, OSError) as exc:
            outcome = Outcome.failed(redact_text(str(exc)))
        try:
            await self._finish(command, outcome, None)
        except RENEWAL_FAILURES as exc:  # the database went away: the command expires instead
            log.warning("fleet.command_unrecorded", command=command.id, error=type(exc).__name__)
        finally:
            self._probes.pop(command.id, None)

    async def _finish(self, command: Command, outcome: Outcome, lease: ChannelLease | None) -> None:
        """Record ``outcome`` (under ``lease`` when given), then tell the waiting API node."""
        now = self._now()
        if lease is None:
            written = await self._commands.finish(command, outcome, now)
        else:
            try:
                async with self._book.fenced(lease) as session:
                    written = await finish_in(session, command, outcome, now)
            except StaleEpoch:
                log.info("fleet.command_refused", command=command.id, why="stale epoch")
                return
        log.info(
            "fleet.command_finished",
            command=command.id,
            action=command.action.value,
            channel_id=command.channel_id,
            state=outcome.state.value,
            written=written,
        )
        if written and self._replies is not None:
            await self._replies.announce(command.id)

    def _not_here(self, channel_id: int) -> str:
        return f"channel {channel_id} does not run on worker {self._worker_id}"
