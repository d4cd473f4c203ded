"""The stream engine: one runner per channel under one ``TaskGroup``; implements ``EngineControl``.

    supervisor = Supervisor(settings, bus, sink)      # sink: anything with ``async record(change)``
    await supervisor.start(channels)                  # kills leftovers of a crash, starts all
                                                      # enabled channels at once
    supervisor.state(channel_id), supervisor.log_tail(channel_id)
    await supervisor.start_channel(ch), stop_channel(id), restart_channel(ch), apply(ch), forget(id)
    await supervisor.shutdown()                       # every child stopped, well within 10 s

Transitions go to the sink through one recorder task, in order, so a slow
database never holds up a runner; the bus gets them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from typing import Any, Final

import structlog

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.domain.errors import Conflict
from streamfleet.domain.status import StatusChanged
from streamfleet.engine.context import RunnerContext, engine_options
from streamfleet.engine.control import ChannelState
from streamfleet.engine.process import Spawner
from streamfleet.engine.runner import ChannelRunner
from streamfleet.engine.status_sink import StatusSink
from streamfleet.events.bus import EventBus
from streamfleet.storage.pid_files import kill_stale_children
from streamfleet.storage.segment_policy import deletes_segments
from streamfleet.storage.stale_output import remove_channel_output

log = structlog.get_logger()

RECORD_TIMEOUT_S: Final = 5.0
"""How long one status row may take to be written before it is given up."""
DRAIN_TIMEOUT_S: Final = 2.0
"""At shutdown, how long the recorder may take to write what is queued."""
MAX_QUEUED_CHANGES: Final = 10_000


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
        )
        if rand is not None:
            self.ctx.rand = rand
        self._runners: dict[int, ChannelRunner] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._group: asyncio.TaskGroup | None = None
        self._owner: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._started = False
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, channels: Iterable[Channel]) -> None:
        """Clean what a crash left, then start every enabled channel concurrently.

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
                self._launch(runner)
        log.info(
            "engine.started",
            channels=len(channels),
            enabled=sum(1 for c in channels if c.enabled),
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

    # -- EngineControl --------------------------------------------------------------------

    async def start_channel(self, channel: Channel) -> None:
        runner = self._runners.get(channel.id)
        if runner is not None and self._running(channel.id) and runner.channel == channel:
            return
        if runner is not None and self._running(channel.id):
            await self._stop(channel.id)
        self._launch(self._runner_for(channel))

    async def stop_channel(self, channel_id: int) -> None:
        if channel_id in self._runners:
            await self._stop(channel_id)

    async def restart_channel(self, channel: Channel) -> None:
        if self._running(channel.id):
            await self._stop(channel.id)
        self._launch(self._runner_for(channel))

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
        if deletes_segments(runner.channel):
            remove_channel_output(runner.output_dir)

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
        """Whether the channel has a runner that will (re)start its FFmpeg."""
        return self._running(channel_id)

    def channels_by_slug(self) -> dict[str, Channel]:
        """The configured channels this engine knows, by slug (no database query)."""
        return {runner.channel.slug: runner.channel for runner in self._runners.values()}

    def media_info(self, slug: str) -> dict[str, Any] | None:
        """The bare supervisor reads no segments; ``HostedEngine`` adds the thumbnailer."""
        return None

    def log_tail(self, channel_id: int) -> list[str]:
        runner = self._runners.get(channel_id)
        return runner.log.tail() if runner is not None else []

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        """The bare supervisor makes no thumbnails; ``HostedEngine`` adds the thumbnailer."""

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

    def _launch(self, runner: ChannelRunner) -> None:
        if self._group is None or self._closed:
            raise Conflict("the engine is not running")
        cid = runner.channel.id
        self._tasks[cid] = self._group.create_task(
            runner.run(), name=f"channel-{runner.channel.slug}"
        )

    async def _stop(self, channel_id: int) -> None:
        runner = self._runners[channel_id]
        task = self._tasks.get(channel_id)
        runner.request_stop()
        if task is not None and not task.done():
            await asyncio.wait({task})
        runner.mark_stopped()

    def _report(self, change: StatusChanged) -> None:
        try:
            self._changes.put_nowait(change)
        except asyncio.QueueFull:
            log.error(
                "engine.status_dropped", channel_id=change.channel_id, to=change.to_status.value
            )

    async def _record_changes(self) -> None:
        while (change := await self._changes.get()) is not None:
            if self.sink is None:
                continue
            try:
                await asyncio.wait_for(self.sink.record(change), RECORD_TIMEOUT_S)
            except Exception:  # the boundary to the database: channels keep running without it
                log.exception(
                    "engine.status_not_recorded",
                    channel_id=change.channel_id,
                    to=change.to_status.value,
                )
