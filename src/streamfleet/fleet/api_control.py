"""The ``EngineControl`` of an API node (``streamfleet api``): no engine runs here.

Channel states come from the database (``states`` answers nothing, so every view falls
back to the status columns the workers write, ``api/channel_view.py``); so does media
info (``channel_media``, written by the worker running the channel,
``fleet/media_keeper.py``). ``stats`` is this process's own counters: an API node makes no
thumbnails, and the fleet's channel counts by status come from those status columns in
``/metrics`` already. A change of
desired state (``enabled``, the configuration) is written by the route; ``apply`` and
``forget`` then only wake the fleet over Redis. Start, stop, restart, log tail and source
probe are *commands* (``fleet/command_desk.py``): a row addressed to the worker holding the
channel's lease (a probe: the least-loaded live worker), a wake-up, and a short wait for
the worker's answer. A command still pending after ``command_wait_s`` raises
``CommandPending`` (202, followed at ``/api/v1/commands/{id}``); one the worker refused
raises ``Conflict`` (409).

Without a live owner: a start (and a restart, which enables the channel) is addressed to
whoever will hold the channel's lease, which the placer gives out; a stop has nothing to
stop and returns at once; a log tail is a ``Conflict`` (409: nobody runs the channel,
nobody keeps its log); a probe with no live worker is ``NotOnThisNode`` (503).
Thumbnails: the tiles each dashboard connection has on screen go to Redis
(``fleet/visible_tiles.py``), where every worker reads them and makes JPEGs only for its
channels someone watches. Lost workers are watched by the node leading the ``alerts`` job
(``fleet/api_jobs.py``, ``WorkerWatch``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from streamfleet.cluster.channel_leases import LeaseBook
from streamfleet.cluster.workers import WorkerRegistry
from streamfleet.db.repositories.channel_media import ChannelMediaRepository
from streamfleet.domain.channel import Channel
from streamfleet.domain.commands import ANY_HOLDER, Command, CommandAction, CommandState
from streamfleet.domain.errors import Conflict
from streamfleet.engine.control import ChannelState, CommandPending, EngineStats, NotOnThisNode
from streamfleet.fleet.command_desk import CommandDesk
from streamfleet.fleet.placement import Candidate, prober
from streamfleet.fleet.visible_tiles import TileReporter
from streamfleet.fleet.wakeups import WakeAction, Wakeup, Wakeups
from streamfleet.media.probe_report import ProbeReport, probe_report_of


class ApiNodeControl:
    def __init__(
        self,
        wakeups: Wakeups,
        desk: CommandDesk,
        book: LeaseBook,
        registry: WorkerRegistry,
        media: ChannelMediaRepository,
        tiles: TileReporter,
    ) -> None:
        self._wakeups = wakeups
        self._desk = desk
        self._book = book
        self._registry = registry
        self._media = media
        self._tiles = tiles

    async def start(self) -> None:
        self._wakeups.start()
        self._tiles.start()

    async def stop(self) -> None:
        await self._desk.close()
        await self._wakeups.close()
        await self._tiles.close()

    # Channels: desired state in the database, then a command -----------------------------------

    async def start_channel(self, channel: Channel) -> None:
        await self._run(CommandAction.START, channel.id, target=ANY_HOLDER)

    async def stop_channel(self, channel_id: int) -> None:
        holder = await self._book.holder(channel_id)
        if holder is None:  # nothing runs it: the stored "disabled" is all there is to do
            self._wake(WakeAction.APPLY, channel_id)
            return
        await self._run(CommandAction.STOP, channel_id, target=holder)

    async def restart_channel(self, channel: Channel) -> None:
        holder = await self._book.holder(channel.id)
        await self._run(CommandAction.RESTART, channel.id, target=holder or ANY_HOLDER)

    async def apply(self, channel: Channel) -> None:
        self._wake(WakeAction.APPLY, channel.id)

    async def forget(self, channel_id: int) -> None:
        self._wake(WakeAction.FORGET, channel_id)

    # What the engines observe: the database's status columns ----------------------------------

    async def states(self, channel_ids: Collection[int]) -> dict[int, ChannelState]:
        return {}

    async def media_info(self, slugs: Collection[str]) -> dict[str, dict[str, Any]]:
        return await self._media.by_slugs(slugs)

    async def log_tail(self, channel_id: int) -> list[str]:
        holder = await self._book.holder(channel_id)
        if holder is None:
            raise Conflict(
                f"channel {channel_id} runs on no worker: its FFmpeg log is kept only by the "
                "worker running it"
            )
        result = await self._run(CommandAction.LOG_TAIL, channel_id, target=holder)
        return [str(line) for line in result.get("lines", [])]

    async def stats(self) -> EngineStats:
        return EngineStats(runs_here=False)

    async def probe_source(self, url: str) -> ProbeReport:
        workers = await self._registry.live()
        load: dict[str, int] = {}
        for worker_id in (await self._book.holders()).values():
            load[worker_id] = load.get(worker_id, 0) + 1
        target = prober([Candidate.of(w) for w in workers], load)
        if target is None:
            raise NotOnThisNode("no live worker to probe the source from; try again later")
        result = await self._run(CommandAction.PROBE, None, target=target, args={"url": url})
        return probe_report_of(result.get("report", {}))

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        self._tiles.show(client_id, slugs)  # written to Redis by a task of its own

    async def viewer_left(self, client_id: str) -> None:
        self._tiles.left(client_id)

    async def exports_queued(self) -> None:
        """Nothing to wake: the runner is the leader's of the ``exports`` job, on whichever API
        node leads it, and it looks for queued jobs every ``POLL_INTERVAL_S``."""

    # Commands ------------------------------------------------------------------------------------

    async def _run(
        self,
        action: CommandAction,
        channel_id: int | None,
        *,
        target: str | None,
        args: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Issue the command and wait for it: its result when done; ``Conflict`` when it
        failed or expired; ``CommandPending`` when it is still pending after the wait."""
        command = await self._desk.settle(
            await self._desk.issue(action, channel_id, target=target, args=args)
        )
        return _answer(command)

    def _wake(self, action: WakeAction, channel_id: int) -> None:
        self._wakeups.send(Wakeup(action, channel_id))


def _answer(command: Command) -> dict[str, Any]:
    if command.state is CommandState.DONE:
        return dict(command.result or {})
    if command.state is CommandState.PENDING:
        raise CommandPending(command)
    where = f"worker {command.target}" if command.target else "the channel's worker"
    raise Conflict(
        f"{command.action} {command.state} on {where}: {command.error or 'no answer in time'}"
    )
