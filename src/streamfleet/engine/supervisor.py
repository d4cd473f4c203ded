"""The stream engine: one runner per channel under one ``TaskGroup`` (``HostedEngine`` fronts it).

    supervisor = Supervisor(settings, bus, sink)      # sink: anything with ``async record(change)``
    await supervisor.start(channels)                  # kills leftovers of a crash, starts the
                                                      # enabled ones as capacity and pace allow
    supervisor.state(channel_id), supervisor.log_tail(channel_id)
    await supervisor.start_channel(ch), stop_channel(id), restart_channel(ch), apply(ch), forget(id)
    await supervisor.shutdown()                       # every child stopped, well within 10 s

Transitions go to the sink through one recorder task, in order and in batches
(whatever queued up while the previous batch was written, up to ``RECORD_BATCH``),
so a slow database never holds up a runner; the bus gets them at once.

Every start passes the ``Admission`` gate (``engine/admission.py``): at most
``engine_capacity`` channels hold a slot; the others wait ``queued`` and start,
oldest first, as slots free (a channel stopped, deleted, disabled, or given up
in ``error``); starts are paced by a token bucket (``engine_start_burst`` at once,
then ``engine_start_rate_per_s``). A restart keeps its slot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from typing import Final

import structlog

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.domain.errors import Conflict
from streamfleet.domain.status import StatusChanged, StatusEvent
from streamfleet.engine.admission import Admission, StartPace, Verdict
from streamfleet.engine.context import RunnerContext, engine_options
from streamfleet.engine.control import ChannelState
from streamfleet.engine.output_fence import OutputFence
from streamfleet.engine.process import Spawner
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.engine.runner import ChannelRunner
from streamfleet.engine.stale_children import kill_stale_children
from streamfleet.engine.status_sink import StatusSink
from streamfleet.events.bus import EventBus
from streamfleet.storage.stale_output import remove_channel_output

log = structlog.get_logger()

RECORD_TIMEOUT_S: Final = 5.0
"""How long one status row may take to be written before it is given up."""
DRAIN_TIMEOUT_S: Final = 2.0
"""At shutdown, how long the recorder may take to write what is queued."""
MAX_QUEUED_CHANGES: Final = 10_000
RECORD_BATCH: Final = 500
"""At most this many status changes go to the sink in one write."""


class Supervisor:
    """Runs the channels of this process. Build it, ``await start(...)``, ``await shutdown()``."""

    def __init__(
        self,
        settings: Settings,
        bus: EventBus,
        sink: StatusSink | None = None,
        *,
        spawner: Spawner | None = None,
        rand: Callable[[], float] | None = None,
        archive: ArchiveRecorder | None = None,
        fence: OutputFence | None = None,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self._changes: asyncio.Queue[StatusChanged | None] = asyncio.Queue(MAX_QUEUED_CHANGES)
        self.ctx = RunnerContext(
            settings=settings,
            options=engine_options(settings),
            spawner=spawner or Spawner(),
            bus=bus,
            report=self._report,
            archive=archive,
            fence=fence,
        )
        if rand is not None:
            self.ctx.rand = rand
        log.info(
            "engine.udp_input_buffer",
            buffer="kernel" if self.ctx.options.udp_kernel_buffer else "fifo",
            setting=settings.udp_input_buffer,
        )
        self._runners: dict[int, ChannelRunner] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._gate = Admission(
            settings.engine_capacity,
            StartPace(
                settings.engine_start_rate_per_s, settings.engine_start_burst, self.ctx.clock()
            ),
        )
        self._stopping: set[int] = set()
        """Channels whose stop is in progress: their caller, not the task's end, frees the slot."""
        self._admission_timer: asyncio.TimerHandle | None = None
        self._group: asyncio.TaskGroup | None = None
        self._owner: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._started = False
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, channels: Iterable[Channel]) -> None:
        """Clean what a crash left, then start the enabled channels in order: up to the
        burst at once, then paced; those beyond the capacity wait ``queued``.

        Disabled channels are registered as ``stopped`` so ``state()`` knows them.
        """
        if self._started:
            raise Conflict("the engine is already started")
        self._started = True
        settings = self.settings
        settings.hls_dir.mkdir(parents=True, exist_ok=True)
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        kill_stale_children(settings.run_dir)
        ready = asyncio.Event()
        self._owner = asyncio.create_task(self._own(ready), name="engine-runners")
        self._recorder = asyncio.create_task(self._record_changes(), name="engine-recorder")
        await ready.wait()
        channels = list(channels)
        for channel in channels:
            runner = self._runner_for(channel)
            if channel.enabled:
                self._start(runner)
        log.info(
            "engine.started",
            channels=len(channels),
            enabled=sum(1 for c in channels if c.enabled),
            capacity=self._gate.capacity,
            queued=len(self._gate.waiting),
            spawn=self.ctx.spawner.method,
            worker=settings.worker_name,
        )

    async def _own(self, ready: asyncio.Event) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                ready.set()
                await self._closing.wait()
        except BaseException:
            log.exception("engine.crashed")
            raise
        finally:
            self._group = None

    async def shutdown(self) -> None:
        """Stop every child (SIGTERM, SIGKILL after ``stop_timeout_s``) and the recorder."""
        if self._closed:
            return
        self._closed = True
        if self._admission_timer is not None:
            self._admission_timer.cancel()
        for cid in self._gate.withdraw_all():
            self._runners[cid].mark_stopped()
        running = [cid for cid, task in self._tasks.items() if not task.done()]
        await asyncio.gather(*(self._stop(cid) for cid in running))
        self._closing.set()
        if self._owner is not None:
            with contextlib.suppress(BaseException):
                await self._owner
        if self._recorder is not None:
            self._changes.put_nowait(None)
            try:
                await asyncio.wait_for(self._recorder, DRAIN_TIMEOUT_S)
            except TimeoutError:
                log.warning("engine.recorder_not_drained", queued=self._changes.qsize())
        log.info("engine.stopped", channels=len(running))

    # -- control (``HostedEngine`` answers ``EngineControl`` with these) --------------------

    async def start_channel(self, channel: Channel) -> None:
        runner = self._runners.get(channel.id)
        if self._gate.is_waiting(channel.id):
            self._runner_for(channel)  # keeps its place in the queue, starts with this config
            return
        if runner is not None and self._running(channel.id) and runner.channel == channel:
            return
        await self.restart_channel(channel)

    async def stop_channel(self, channel_id: int) -> None:
        if channel_id in self._runners:
            await self._stop(channel_id)
            self._release(channel_id)

    async def restart_channel(self, channel: Channel) -> None:
        """Stop then start; a channel that held a slot keeps it, a queued one keeps its place."""
        cid = channel.id
        if self._gate.is_waiting(cid):
            self._runner_for(channel)
            return
        holding = self._gate.holds(cid)
        if self._running(cid):
            await self._stop(cid)
        self._gate.release(cid)
        self._start(self._runner_for(channel), first=holding)

    async def apply(self, channel: Channel) -> None:
        """Configuration changed: an enabled channel runs with it (restarted only if it
        changed or the channel was not running), a disabled one stops."""
        if channel.enabled:
            await self.start_channel(channel)
        else:
            await self.stop_channel(channel.id)
            self._runner_for(channel)

    async def forget(self, channel_id: int) -> None:
        runner = self._runners.get(channel_id)
        if runner is None:
            return
        await self._stop(channel_id)
        del self._runners[channel_id]
        self._tasks.pop(channel_id, None)
        self._release(channel_id)
        remove_channel_output(runner.output_dir)  # the live window; the archive is not here

    def state(self, channel_id: int) -> ChannelState | None:
        runner = self._runners.get(channel_id)
        if runner is None:
            return None
        return ChannelState(
            status=runner.status,
            since=runner.since,
            reason=runner.reason,
            pid=runner.pid,
            restarts=runner.restarts,
            source=runner.source.value,
            metrics=dict(runner.metrics),
        )

    def states(self) -> dict[int, ChannelState]:
        """Every known channel's state, by channel id."""
        return {cid: s for cid in self._runners if (s := self.state(cid)) is not None}

    def is_running(self, channel_id: int) -> bool:
        """Whether the channel has a runner that will (re)start its FFmpeg (not queued ones)."""
        return self._running(channel_id)

    def channels(self) -> list[Channel]:
        """The configuration of every channel this engine knows (stopped ones too)."""
        return [runner.channel for runner in self._runners.values()]

    def channel(self, channel_id: int) -> Channel | None:
        """The configuration the channel runs (or last ran) with, ``None`` when unknown."""
        runner = self._runners.get(channel_id)
        return runner.channel if runner is not None else None

    def queued(self) -> tuple[int, ...]:
        """The channels waiting for a slot or for their paced start, in the order they start."""
        return self._gate.waiting

    def log_tail(self, channel_id: int) -> list[str]:
        runner = self._runners.get(channel_id)
        return runner.log.tail() if runner is not None else []

    # -- internals ------------------------------------------------------------------------

    def _runner_for(self, channel: Channel) -> ChannelRunner:
        runner = self._runners.get(channel.id)
        if runner is None:
            runner = self._runners[channel.id] = ChannelRunner(channel, self.ctx)
        else:
            runner.configure(channel)
        return runner

    def _running(self, channel_id: int) -> bool:
        task = self._tasks.get(channel_id)
        return task is not None and not task.done()

    def _start(self, runner: ChannelRunner, *, first: bool = False) -> None:
        """Start the channel if the gate lets it, else queue it (``first``: ahead of the queue)."""
        if self._group is None or self._closed:
            raise Conflict("the engine is not running")
        cid = runner.channel.id
        verdict = self._gate.request(cid, self.ctx.clock(), first=first)
        if verdict is Verdict.START:
            self._launch(runner)
            return
        if verdict is Verdict.WAIT_SLOT:
            reason = f"waiting for a free slot: this server runs at most {self._gate.capacity}"
        else:
            reason = f"start paced: {self.settings.engine_start_rate_per_s:g} per second"
        runner.transition(StatusEvent.CAPACITY_FULL, reason)
        self._schedule_admission()

    def _launch(self, runner: ChannelRunner) -> None:
        assert self._group is not None
        cid = runner.channel.id
        task = self._group.create_task(runner.run(), name=f"channel-{runner.channel.slug}")
        self._tasks[cid] = task
        task.add_done_callback(lambda done: self._runner_ended(cid, done))

    def _runner_ended(self, channel_id: int, task: asyncio.Task[None]) -> None:
        """A runner gave up on its own (``error``): its slot goes to the next in the queue.
        A stop in progress frees the slot through its caller (a restart keeps it)."""
        if self._tasks.get(channel_id) is task and channel_id not in self._stopping:
            self._release(channel_id)

    def _release(self, channel_id: int) -> None:
        self._gate.release(channel_id)
        self._admit()

    def _admit(self) -> None:
        """Start whoever the gate lets in now, then wake again when the next token is due."""
        self._admission_timer = None
        if self._group is None or self._closed:
            return
        for cid in self._gate.admit(self.ctx.clock()):
            runner = self._runners.get(cid)
            if runner is None:  # deleted while waiting (``forget`` withdraws it; be safe)
                self._gate.release(cid)
                continue
            self._launch(runner)
        self._schedule_admission()

    def _schedule_admission(self) -> None:
        if self._admission_timer is not None:
            self._admission_timer.cancel()
            self._admission_timer = None
        wait_s = self._gate.next_admission_in(self.ctx.clock())
        if wait_s is not None and not self._closed:
            loop = asyncio.get_running_loop()
            self._admission_timer = loop.call_later(wait_s, self._admit)

    async def _stop(self, channel_id: int) -> None:
        """Stop the channel's child (or take it out of the queue) and mark it stopped.
        The slot stays held: the caller releases it or restarts into it."""
        runner = self._runners[channel_id]
        if self._gate.withdraw(channel_id):
            runner.request_stop()
            runner.mark_stopped()
            return
        task = self._tasks.get(channel_id)
        runner.request_stop()
        self._stopping.add(channel_id)
        try:
            if task is not None and not task.done():
                await asyncio.wait({task})
        finally:
            self._stopping.discard(channel_id)
        runner.mark_stopped()

    def _report(self, change: StatusChanged) -> None:
        try:
            self._changes.put_nowait(change)
        except asyncio.QueueFull:
            log.error(
                "engine.status_dropped", channel_id=change.channel_id, to=change.to_status.value
            )

    async def _record_changes(self) -> None:
        closing = False
        while not closing:
            batch: list[StatusChanged] = []
            item = await self._changes.get()
            while item is not None:
                batch.append(item)
                if len(batch) >= RECORD_BATCH or self._changes.empty():
                    break
                item = self._changes.get_nowait()
            closing = item is None
            if self.sink is None or not batch:
                continue
            try:
                await asyncio.wait_for(self.sink.record_all(batch), RECORD_TIMEOUT_S)
            except Exception:  # the boundary to the database: channels keep running without it
                log.exception(
                    "engine.status_not_recorded",
                    changes=len(batch),
                    channel_id=batch[0].channel_id,
                    to=batch[0].to_status.value,
                )
