"""``FleetWorker``: a ``streamfleet worker`` process runs exactly the channels it holds leases on.

    worker = FleetWorker(settings, database, bus, wakeups, spec)
    await worker.start()      # register, start the (empty) engine, heartbeat, place, follow
    ...
    await worker.stop()       # stop every FFmpeg, release the leases, deregister

It registers with its capacity (the engine's), labels and version, then a
``LeaseKeeper`` heartbeats every ``HEARTBEAT_INTERVAL_S``, renewing all its leases in the
same transaction (``WorkerHeartbeat``). After each beat, on a wake-up from Redis, the
worker *follows* its leases (``_follow``): a lease it holds and does not run yet starts
the channel through the engine of ``serve`` (``HostedEngine``); a channel whose lease it
lost stops; a channel disabled through the API stops and its lease is released; a
changed configuration is applied. Channels come to it only from the placer
(``fleet/placer.py``, which every worker runs and one leads).

When renewals fail until the keeper's deadline (the database unreachable), ``on_lost``
stops every FFmpeg while the leases are still this worker's; once the database answers
again the worker releases whatever it still held and takes part again. Status changes go
to the database through ``FencedStatusSink``, under each channel's epoch; files carry the
epoch and are published only while ``LeaseFence`` (fed by every renewal) says it is current.
A drain (``fleet/drain.py``) moves the channels away one at a time through ``let_go``.
After each follow the worker carries out the commands API nodes addressed to it
(restart, log tail, probe …: ``fleet/command_runner.py``), so a command whose wake-up
was lost is done at the next sweep, then writes the media info its channels' segments
showed, when it changed (``fleet/media_keeper.py``, fenced like the status). Before each
follow it reads which tiles the fleet's dashboards have on screen (``fleet/visible_tiles.py``):
its thumbnailer makes JPEGs only for its channels among them (all of them while Redis cannot
say); media info and content checks keep their own pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import Final

import structlog

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.cluster.heartbeat import WorkerHeartbeat
from streamfleet.cluster.keeper import RENEWAL_FAILURES, LeaseKeeper
from streamfleet.cluster.leader_lease import PLACER, LeaderLease
from streamfleet.cluster.timing import HEARTBEAT_INTERVAL_S
from streamfleet.cluster.workers import WorkerRegistry, WorkerSpec
from streamfleet.config import Settings
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.archive_locks import ArchiveLockRepository
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.commands import CommandRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel import Channel
from streamfleet.domain.errors import StreamfleetError
from streamfleet.engine.builder import assemble_engine
from streamfleet.engine.context import utc_now
from streamfleet.events.bus import EventBus
from streamfleet.fleet.command_replies import CommandReplies
from streamfleet.fleet.command_runner import CommandRunner
from streamfleet.fleet.drain import Drain
from streamfleet.fleet.fenced_sink import FencedStatusSink
from streamfleet.fleet.lease_fence import LeaseFence
from streamfleet.fleet.media_keeper import MediaKeeper
from streamfleet.fleet.moves import MoveLog
from streamfleet.fleet.placer import PLACER_TTL_S, Placer
from streamfleet.fleet.pod_cost import pod_deletion_cost
from streamfleet.fleet.visible_tiles import TileReader, shown_here
from streamfleet.fleet.wakeups import WakeAction, Wakeup, Wakeups
from streamfleet.media.probe_report import ProbeReport

WALL_VIEWER: Final = "fleet-worker"
"""The worker shows its thumbnailer the channels it runs that dashboards have on screen (API
nodes serve the files)."""

log = structlog.get_logger()


async def _no_channels() -> list[Channel]:
    return []  # a worker starts empty: its channels come from its leases


class FleetWorker:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        bus: EventBus,
        wakeups: Wakeups | None,
        spec: WorkerSpec,
        replies: CommandReplies | None = None,
        tiles: TileReader | None = None,
    ) -> None:
        self.spec = spec
        self.book = LeaseBook(database)
        self.registry = WorkerRegistry(database)
        self._heartbeat = WorkerHeartbeat(database, self.registry, self.book)
        self.channels = ChannelRepository(
            database.sessions, srt_port_range=(settings.srt_port_min, settings.srt_port_max)
        )
        self._wakeups = wakeups
        self._replies = replies
        self._tiles = tiles
        self._shown: frozenset[str] | None = None
        """The slugs the fleet's dashboards show, as last read; ``None``: unknown (show all)."""
        self.moves = MoveLog(EventRepository(database.sessions), bus)
        self.placer = Placer(
            spec.id,
            LeaderLease(database, PLACER, ttl_s=PLACER_TTL_S),
            self.registry,
            self.book,
            self.channels,
            wakeups,
            self.moves,
        )
        self.drain = Drain(self, self.registry, self.book, self.moves, wakeups)
        self.draining = False
        """Whether a drain was asked for, as the last heartbeat read it."""
        self.sink = FencedStatusSink(self.book, self._lease_of)
        self.fence = LeaseFence(lambda cid: self._leases.get(cid))
        self.engine = assemble_engine(
            settings,
            bus,
            self.sink,
            _no_channels,
            ArchiveRepository(database.sessions),
            kept=ArchiveLockRepository(database.sessions),  # locks hold on workers too
            owns_hls_dir=False,
            fence=self.fence,  # files by epoch, published only while it is current
        )
        self.media = MediaKeeper(
            self.book, self._lease_of, self.engine.thumbnailer.media_info, utc_now
        )
        self.commands = CommandRunner(
            spec.id,
            CommandRepository(database.sessions),
            self.book,
            self,
            replies,
            now=utc_now,
        )
        self._leases: dict[int, ChannelLease] = {}
        """The channels this worker runs, with the lease it runs each under."""
        self._configs: dict[int, Channel] = {}
        self._releasing: dict[int, ChannelLease] = {}
        """Disabled channels stopped here whose lease is released at the next follow."""
        self._held: Mapping[int, ChannelLease] = {}
        """What the last heartbeat renewed: the leases the database says are this worker's."""
        self._leaving: dict[int, int] = {}
        """Channel → epoch of a channel stopped here for a move, until its lease is handed over."""
        self._restarts: set[int] = set()
        self._placed = False
        self._look = asyncio.Event()
        self._following = asyncio.Lock()
        """Held by each follow and each ``let_go``: a channel let go mid-follow is not restarted."""
        self._tasks: list[asyncio.Task[None]] = []
        self._pod_cost = pod_deletion_cost(settings, lambda: len(self._leases))
        self.last_beat_at: float | None = None
        """``time.monotonic()`` at the last successful heartbeat."""

    # Lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.registry.register(self.spec)
        await self.engine.start()
        if self._wakeups is not None:
            self._wakeups.start(self._woken)
        self._tasks = [
            asyncio.create_task(self._keep(), name="fleet-heartbeat"),
            asyncio.create_task(self._follow_loop(), name="fleet-follow"),
            asyncio.create_task(self.placer.run(), name="fleet-placer"),
            asyncio.create_task(self.drain.run(), name="fleet-drain"),
        ]
        if self._pod_cost is not None:  # in a Kubernetes pod
            self._tasks.append(asyncio.create_task(self._pod_cost.run(), name="fleet-pod-cost"))
        log.info("fleet.worker_started", worker=self.spec.id, capacity=self.spec.capacity)

    async def stop(self) -> None:
        """Leave cleanly: stop every FFmpeg (their last status written while the leases are
        still ours), then release the leases and the placer's, and deregister."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.commands.close()
        await self.engine.stop()
        self._leases.clear()
        with contextlib.suppress(*RENEWAL_FAILURES):
            released = await self.book.release_all(self.spec.id)
            await self.placer.release()
            await self.registry.deregister(self.spec.id)
            log.info("fleet.worker_left", worker=self.spec.id, released=released)
        if self._wakeups is not None:
            await self._wakeups.close()
        if self._replies is not None:
            await self._replies.close()
        if self._tiles is not None:
            await self._tiles.close()

    # What the process shows -------------------------------------------------------------------

    @property
    def running(self) -> dict[int, int]:
        """Channel id → the epoch this worker runs it under."""
        return {channel_id: lease.epoch for channel_id, lease in self._leases.items()}

    def heartbeat_age_s(self) -> float | None:
        return None if self.last_beat_at is None else time.monotonic() - self.last_beat_at

    # What a drain needs (``fleet/drain.py``) ------------------------------------------------------

    def running_leases(self) -> Mapping[int, ChannelLease]:
        return dict(self._leases)

    def config(self, channel_id: int) -> Channel | None:
        return self._configs.get(channel_id)

    # What the command runner needs (``fleet/command_runner.py``) ----------------------------------

    async def restart(self, channel_id: int) -> bool:
        """Restart a channel running here with its stored configuration; False if it does not."""
        async with self._following:
            config = self._configs.get(channel_id)
            if channel_id not in self._leases or config is None:
                return False
            await self.engine.restart_channel(config)
            return True

    async def log_tail(self, channel_id: int) -> list[str]:
        return await self.engine.log_tail(channel_id)

    async def probe_source(self, url: str) -> ProbeReport:
        return await self.engine.probe_source(url)

    async def let_go(self, channel_id: int) -> ChannelLease | None:
        """Stop a channel that moves to another worker; its lease stays ours (no one else can
        start it) until handed over, and ``_follow`` does not start it again meanwhile."""
        async with self._following:
            lease = self._leases.pop(channel_id, None)  # first: its "stopped" is not written
            if lease is None:
                return None
            self._configs.pop(channel_id, None)
            self._leaving[channel_id] = lease.epoch
            await self.engine.stop_channel(channel_id)
            return lease

    # Heartbeat ------------------------------------------------------------------------------

    async def _keep(self) -> None:
        while True:
            keeper = LeaseKeeper(self._beat, self._lost, name=f"worker:{self.spec.id}")
            await keeper.run()
            await self._rejoin()

    async def _beat(self) -> bool:
        sent_at = time.monotonic()
        beat = await self._heartbeat.beat(self.spec.id)
        if not beat.registered:  # a restore emptied the table, or someone deregistered us
            await self.registry.register(self.spec)
        self._held = dict(beat.renewal.held)
        self.draining = beat.draining
        self.fence.confirm(self._held, sent_at)
        self.last_beat_at = time.monotonic()
        self._look.set()
        return True

    async def _lost(self, reason: str) -> None:
        """The leases may expire soon and the database cannot say otherwise: stop everything."""
        self._held = {}
        self.fence.clear()
        running = list(self._leases)
        self._leases.clear()
        await asyncio.gather(*(self.engine.stop_channel(cid) for cid in running))
        log.warning("fleet.channels_stopped", worker=self.spec.id, channels=running, why=reason)

    async def _rejoin(self) -> None:
        """After ``_lost``: once the database answers, free what may still be held, register."""
        while True:
            try:
                await self.book.release_all(self.spec.id)
                await self.registry.register(self.spec)
                return
            except RENEWAL_FAILURES as exc:
                log.warning("fleet.rejoin_failed", error=type(exc).__name__)
                await asyncio.sleep(HEARTBEAT_INTERVAL_S)

    # Following the leases ---------------------------------------------------------------------

    def _woken(self, wakeup: Wakeup) -> None:
        if wakeup.action is WakeAction.RESTART and wakeup.channel_id is not None:
            self._restarts.add(wakeup.channel_id)
        if wakeup.action is WakeAction.PLACE:
            self._placed = True  # the last heartbeat did not see the new lease yet
        else:
            self.placer.nudge()  # a created or enabled channel needs a worker
        self._look.set()

    async def _follow_loop(self) -> None:
        while True:
            await self._look.wait()
            self._look.clear()
            if self._tiles is not None:  # before the lock: a slow Redis never holds up let_go
                self._shown = await self._tiles.shown()
            try:
                async with self._following:
                    await self._follow()
                await self.commands.run_pending()  # after the follow: a stop has happened
                await self.media.sync(self._running_slugs())
            except (*RENEWAL_FAILURES, StreamfleetError) as exc:  # the next beat tries again
                log.warning("fleet.follow_failed", error=type(exc).__name__, detail=str(exc))

    async def _follow(self) -> None:
        """Make what runs here match the leases held and the channels stored."""
        if self._placed:  # renew now rather than wait for the next heartbeat to see them
            self._placed = False
            sent_at = time.monotonic()
            self._held = dict((await self.book.renew(self.spec.id)).held)
            self.fence.confirm(self._held, sent_at)
        self._leaving = {c: e for c, e in self._leaving.items() if _holds(self._held, c, e)}
        held = {c: lease for c, lease in self._held.items() if c not in self._leaving}
        lost = [
            cid
            for cid, lease in self._leases.items()
            if (now := held.get(cid)) is None or now.epoch != lease.epoch
        ]
        if not lost and not held:
            return
        wanted = set(held) | set(lost)
        stored = {channel.id: channel for channel in await self.channels.by_ids(wanted)}
        for cid in lost:
            self._leases.pop(cid)  # first: its "stopped" is not ours to write any more
            self._configs.pop(cid, None)
            if cid in stored:
                await self.engine.stop_channel(cid)
            else:  # deleted (its lease row went with it)
                await self.engine.forget(cid)
            log.info("fleet.channel_dropped", channel_id=cid, worker=self.spec.id)
        restarts, self._restarts = self._restarts, set()
        for cid, lease in held.items():
            channel = stored.get(cid)
            if channel is None:
                continue
            if not channel.enabled:
                await self._give_back(lease)
            elif cid not in self._leases:
                self._leases[cid] = lease  # first: the engine's first status is fenced by it
                self._configs[cid] = channel
                await self.engine.start_channel(channel)
                log.info("fleet.channel_taken", channel_id=cid, epoch=lease.epoch)
            elif cid in restarts:
                self._configs[cid] = channel
                await self.engine.restart_channel(channel)
            elif self._configs.get(cid) != channel:
                self._configs[cid] = channel
                await self.engine.apply(channel)
        slugs = frozenset(stored[cid].slug for cid in self._leases if cid in stored)
        await self.engine.set_visible_tiles(WALL_VIEWER, shown_here(slugs, self._shown))

    async def _give_back(self, lease: ChannelLease) -> None:
        """A channel disabled through the API: stop it now, release its lease at the next
        follow (its "stopped" is recorded in between, still under the lease)."""
        cid = lease.channel_id
        if cid in self._leases:
            await self.engine.stop_channel(cid)
            self._releasing[cid] = self._leases.pop(cid)
            self._configs.pop(cid, None)
            return
        self._releasing.pop(cid, None)
        await self.book.release(lease)
        log.info("fleet.channel_released", channel_id=cid, why="disabled")

    def _running_slugs(self) -> dict[int, str]:
        return {cid: self._configs[cid].slug for cid in self._leases if cid in self._configs}

    def _lease_of(self, channel_id: int) -> ChannelLease | None:
        return self._leases.get(channel_id) or self._releasing.get(channel_id)


def _holds(held: Mapping[int, ChannelLease], channel_id: int, epoch: int) -> bool:
    return (lease := held.get(channel_id)) is not None and lease.epoch == epoch
