"""The engine as the app hosts it: ``start()``/``stop()`` without arguments, plus ``EngineControl``.

    engine_factory = lambda ctx: HostedEngine(
        ctx.settings, ctx.bus, ctx.events, load_channels=lambda: ctx.channels.all()
    )

``start()`` loads the channels (all of them: disabled ones are registered as
``stopped``), starts the demo feeds when the settings allow the demo and a
loaded channel pulls a demo feed, then starts every enabled channel at once.
``stop()`` stops every child and the feeds.

It also runs the ``Thumbnailer`` beside the supervisor (thumbnails and media
info of every online channel, from its segments) and removes the output folders
of channels that no longer exist.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.engine.control import ChannelState
from streamfleet.engine.demo import DemoFeeds, demo_channels
from streamfleet.engine.status_sink import StatusSink
from streamfleet.engine.supervisor import Supervisor
from streamfleet.engine.thumbnailer import Thumbnailer
from streamfleet.events.bus import EventBus
from streamfleet.storage.stale_output import remove_orphan_output_dirs


class HostedEngine:
    def __init__(
        self,
        settings: Settings,
        bus: EventBus,
        sink: StatusSink | None,
        load_channels: Callable[[], Awaitable[Iterable[Channel]]],
    ) -> None:
        self.settings = settings
        self.supervisor = Supervisor(settings, bus, sink)
        self.load_channels = load_channels
        self.demo_feeds: DemoFeeds | None = None
        self.thumbnailer = Thumbnailer(settings, bus, self.supervisor.channels_by_slug)
        self._thumbnailing: asyncio.Task[None] | None = None

    async def start(self) -> None:
        channels = list(await self.load_channels())
        remove_orphan_output_dirs(self.settings.hls_dir, {c.slug for c in channels})
        # Before the supervisor, so that no status envelope is missed.
        self._thumbnailing = asyncio.create_task(self.thumbnailer.run(), name="thumbnailer")
        demo_urls = {spec.input_url for spec in demo_channels(self.settings)}
        if self.settings.demo and any(c.input_url in demo_urls for c in channels):
            self.demo_feeds = DemoFeeds(self.settings, self.supervisor.ctx.spawner)
            await self.demo_feeds.start()
        await self.supervisor.start(channels)

    async def stop(self) -> None:
        await self.supervisor.shutdown()
        if self._thumbnailing is not None:
            self._thumbnailing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._thumbnailing
        if self.demo_feeds is not None:
            await self.demo_feeds.stop()

    # EngineControl, delegated --------------------------------------------------------------

    async def start_channel(self, channel: Channel) -> None:
        await self.supervisor.start_channel(channel)

    async def stop_channel(self, channel_id: int) -> None:
        await self.supervisor.stop_channel(channel_id)

    async def restart_channel(self, channel: Channel) -> None:
        await self.supervisor.restart_channel(channel)

    async def apply(self, channel: Channel) -> None:
        await self.supervisor.apply(channel)

    async def forget(self, channel_id: int) -> None:
        await self.supervisor.forget(channel_id)

    def state(self, channel_id: int) -> ChannelState | None:
        return self.supervisor.state(channel_id)

    def log_tail(self, channel_id: int) -> list[str]:
        return self.supervisor.log_tail(channel_id)

    def media_info(self, slug: str) -> dict[str, Any] | None:
        info = self.thumbnailer.media_info(slug)
        return info.to_dict() if info is not None else None

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        self.thumbnailer.set_visible(client_id, slugs)
